"""What the desk tells the clerk between two reads: decided requests, handed-back referrals."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from counter.machine import DeskState
from counter.news import kind_name, news, remedy_done
from db.config import HallConfig
from db.store.views import CounterView, MatterView, RemedyView, TicketView

NOW = dt.datetime(2026, 11, 27, 2, 0)


def remedy(status: str, **changes: object) -> RemedyView:
    base = RemedyView(
        id=3, ticket="A007", ticket_id=7, business_day=NOW.date(), kind="compensation",
        amount_fen=50000, reason="停电", status=status, requested_by="C01", requested_at=NOW,
        decided_by=None, decided_at=None, decision_reason=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def matter(stage: str, note: str | None = None) -> MatterView:
    ticket = TicketView(
        id=9, number="B002", business_day=NOW.date(), business="B", origin_business="B",
        status="with_support" if stage == "with_support" else "serving", priority="normal",
        account=None, counter=None, handler="C01", issued_by=None, support=None, issued_at=NOW,
        queued_at=NOW, first_called_at=NOW, called_at=NOW, no_show_at=None, started_at=NOW,
        completed_at=None, recalls=0, services=1, directed_to=None, rating=None, rated_at=None,
        note=note,
    )
    return MatterView(ticket=ticket, stage=stage, note=note, by="S01", since=NOW)


def desk(**fields: object) -> DeskState:
    counter = CounterView(1, "1号窗口", "Counter 1", "open", ("A",), "C01", "张伟", None, None)
    return DeskState(now=NOW, counter=counter, ticket=None, **fields)  # type: ignore[arg-type]


def test_nothing_new_is_no_news() -> None:
    same = desk(own_remedies=(remedy("pending"),), matters=(matter("with_support"),))
    assert news(same, same, "zh") == []


def test_an_approval_and_a_refusal_are_news_once() -> None:
    before = desk(own_remedies=(remedy("pending"), remedy("pending", id=4)))
    now = desk(own_remedies=(
        remedy("approved", decided_by="L01"),
        remedy("refused", id=4, decided_by="L01", decision_reason="金额过高"),
    ))
    told = news(before, now, "zh")
    assert [(n.text, n.warning) for n in told] == [
        ("第 3 号补救（A007）：值班领导 L01 已批准", False),
        ("第 4 号补救（A007）：值班领导 L01 已驳回：金额过高", True),
    ]
    assert news(now, now, "zh") == []


def test_a_grant_within_authority_is_not_news() -> None:
    assert news(desk(), desk(own_remedies=(remedy("granted"),)), "en") == []


def test_a_handed_back_referral_is_news() -> None:
    before = desk(matters=(matter("with_support"),))
    now = desk(matters=(matter("returned", note="已核对"),))
    assert [(n.text, n.warning) for n in news(before, now, "en")] == [
        ("Support handed B002 back (note: “已核对”): o to handle it", False)]
    assert news(desk(), now, "en") == []  # never seen with support: nothing to announce


def test_supports_question_is_news_that_asks_for_an_answer() -> None:
    before = desk(matters=(matter("with_support"),))
    now = desk(matters=(matter("question", note="请提供产权证明？"),))
    assert [(n.text, n.warning) for n in news(before, now, "zh")] == [
        ("B002 后台有疑问（备注：请提供产权证明？），请按 o 答复", True)]
    assert [n.text for n in news(before, now, "en")] == [
        "Support asks about B002 (note: “请提供产权证明？”): o to answer"]


def test_a_matter_set_aside_is_not_news() -> None:
    # The clerk set it aside themselves; only support's answers are news.
    assert news(desk(), desk(matters=(matter("awaiting_customer", note="带证件"),)), "zh") == []


def test_names_and_the_status_line(config: HallConfig) -> None:
    assert kind_name(config, "compensation", "zh") == "赔偿"
    assert kind_name(config, "dropped_kind", "en") == "dropped_kind"
    assert remedy_done(config, remedy("pending"), "en") == (
        "Above your authority: A007's remedy waits for the duty leader")
    assert remedy_done(config, remedy("granted"), "zh") == "A007 已给予补救：赔偿 ¥500.00"
