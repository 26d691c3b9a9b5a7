"""`hall` over a customer's visit: what each command prints, as JSON and for people."""

from __future__ import annotations

from db.store.session import Hall
from tests.cli.conftest import Cli, event_kinds, one_line_error
from tests.conftest import LEADER_PIN, PIN

TICKET_KEYS = {
    "number", "business", "status", "priority", "counter", "handler", "ahead",
    "estimated_wait_min", "business_day", "issued_at", "account", "rating", "note",
}


def test_issue_prints_the_ticket_with_people_ahead_and_wait(cli: Cli, ready: Hall) -> None:
    first = cli("--json", "issue", "A", "--account", "3100001234")
    assert first.code == 0, first.err
    ticket = first.json()
    assert ticket.keys() >= TICKET_KEYS
    assert (ticket["number"], ticket["business"], ticket["status"]) == ("A001", "A", "waiting")
    assert (ticket["priority"], ticket["account"], ticket["ahead"]) == ("normal", "3100001234", 0)
    assert isinstance(ticket["estimated_wait_min"], float)  # counter 1 serves A and is open
    second = cli("issue", "缴费", "--json")  # --json after the command; a business by name
    assert second.code == 0
    assert (second.json()["number"], second.json()["ahead"]) == ("A002", 1)


def test_issue_for_a_business_no_open_counter_serves_has_no_estimate(cli: Cli,
                                                                     ready: Hall) -> None:
    ticket = cli("--json", "issue", "d").json()  # counter 3 and 7 serve D; both closed
    assert ticket["number"] == "D001"
    assert ticket["estimated_wait_min"] is None


def test_human_output_is_chinese(cli: Cli, ready: Hall) -> None:
    issued = cli("issue", "A", "--priority", "老年人")
    assert issued.code == 0
    assert "取号成功" in issued.out and "A001" in issued.out and "缴费" in issued.out
    assert "老年人" in issued.out and "前面等候" in issued.out
    called = cli("call", "--counter", "1")
    assert "请 A001 号到 1号窗口（缴费） 办理" in called.out


def test_call_next_and_named_call(cli: Cli, ready: Hall) -> None:
    cli("issue", "A")
    cli("issue", "A")
    called = cli("--json", "call", "--counter", "1")
    assert called.code == 0
    ticket = called.json()
    assert (ticket["number"], ticket["status"], ticket["counter"], ticket["handler"]) == (
        "A001", "called", 1, "C01")
    cli("noshow", "-c", "1")
    named = cli("--json", "call", "-c", "1", "a2")  # 指呼, number typed loosely
    assert (named.code, named.json()["number"]) == (0, "A002")


def test_status_json_shape(cli: Cli, ready: Hall) -> None:
    cli("issue", "A")
    cli("issue", "A")
    cli("issue", "B")
    cli("call", "-c", "1")
    snap = cli("status", "--json").json()
    assert snap["waiting"] == {"A": 1, "B": 1, "C": 0, "D": 0, "E": 0, "F": 0}
    desks = {c["number"]: c for c in snap["counters"]}
    assert len(desks) == 8
    assert desks[1]["state"] == "open" and desks[1]["staff"] == "C01"
    assert (desks[1]["ticket"], desks[1]["ticket_status"]) == ("A001", "called")
    assert desks[2]["state"] == "closed" and desks[2]["staff"] is None
    assert snap["recent_calls"][0]["number"] == "A001"
    assert snap["recent_calls"][0]["counter"] == 1
    assert set(snap["estimated_wait_min"]) == set(snap["waiting"])


def test_status_board_for_people(cli: Cli, ready: Hall) -> None:
    cli("issue", "A")
    board = cli("status")
    assert board.code == 0
    for word in ("窗口", "状态", "工作人员", "当前号", "缴费 A", "1 人", "张伟", "开放"):
        assert word in board.out, word


def test_show_and_history(cli: Cli, ready: Hall) -> None:
    cli("issue", "A")
    cli("issue", "A")
    shown = cli("--json", "show", "A002").json()
    assert (shown["number"], shown["status"], shown["ahead"]) == ("A002", "waiting", 1)
    cli("call", "-c", "1")
    steps = cli("--json", "history", "a1").json()
    assert [e["kind"] for e in steps] == ["issue", "call"]
    assert steps[1]["counter"] == 1 and steps[1]["staff"] == "C01"


def test_events_json_filters(cli: Cli, ready: Hall) -> None:
    for _ in range(3):
        cli("issue", "A")
    cli("call", "-c", "1")
    everything = cli("--json", "events").json()
    assert {"id", "at", "kind", "ticket", "staff", "counter", "detail"} <= everything[0].keys()
    assert [e["kind"] for e in everything][-4:] == ["issue", "issue", "issue", "call"]
    calls = cli("--json", "events", "--kind", "call").json()
    assert [(e["kind"], e["ticket"]) for e in calls] == [("call", "A001")]
    latest = cli("--json", "events", "--limit", "2").json()
    assert [e["kind"] for e in latest] == ["issue", "call"]
    assert cli("--json", "events", "--day", "2001-01-01").json() == []


def test_a_whole_visit_with_referral_and_rating(cli: Cli, ready: Hall) -> None:
    cli("issue", "B", "--account", "3100000001")
    assert cli("call", "-c", "4").code == 0
    assert cli("start", "-c", "4", "B001").code == 0
    assert cli("refer", "-c", "4", "--to", "pool", "--note", "需现场勘查").code == 0
    assert cli("--json", "referrals").json()[0]["number"] == "B001"
    assert cli("take", "B001", "--staff", "S01", stdin=f"{PIN}\n").code == 0
    back = cli("--json", "return", "B001", "-s", "S01", "--note", "勘查完成", stdin=PIN)
    assert back.code == 0 and back.json()["status"] == "serving"
    assert cli("--json", "matters", "-s", "C02").json()[0]["number"] == "B001"
    done = cli("--json", "complete", "-c", "4", "B001", "--note", "已接电").json()
    assert (done["status"], done["handler"], done["note"]) == ("done", "C02", "已接电")
    rated = cli("--json", "rate", "B001", "very_satisfied").json()
    assert rated["rating"] == 4
    visits = cli("--json", "visits", "3100000001").json()
    assert [v["number"] for v in visits] == ["B001"]
    assert event_kinds(ready)[-7:] == [
        "call", "start", "refer", "take", "return", "complete", "rate"]


def test_a_matter_set_aside_for_the_customer_then_resumed(cli: Cli, ready: Hall) -> None:
    cli("issue", "A")
    cli("issue", "A")
    cli("call", "-c", "1")
    cli("start", "-c", "1")
    assert cli("aside", "-c", "1", "A001").code == 2  # what the customer must bring: required
    aside = cli("--json", "aside", "-c", "1", "A001", "--note", "身份证原件")
    assert aside.code == 0, aside.err
    assert (aside.json()["status"], aside.json()["counter"]) == ("serving", None)
    assert cli("--json", "call", "-c", "1").json()["number"] == "A002"
    busy = cli("resume", "-c", "1", "A001")  # the counter still holds A002
    assert busy.code == 1 and "A002" in one_line_error(busy)
    cli("noshow", "-c", "1")
    back = cli("--json", "resume", "-c", "1", "a1")
    assert back.code == 0, back.err
    assert (back.json()["number"], back.json()["counter"]) == ("A001", 1)
    assert event_kinds(ready)[-3:] == ["call", "no_show", "resume"]
    again = cli("resume", "-c", "4", "A001")  # at a counter now: no open matter to resume
    assert again.code == 1 and "A001" in one_line_error(again)


def test_transfer_next_service_walk_in_and_requeue(cli: Cli, ready: Hall) -> None:
    cli("issue", "A")
    cli("issue", "A")
    cli("call", "-c", "1")
    assert cli("transfer", "-c", "1", "--to", "B").code == 1  # only a served customer moves
    cli("start", "-c", "1")
    moved = cli("--json", "transfer", "-c", "1", "--to", "报装接电").json()
    assert (moved["business"], moved["status"], moved["handler"]) == ("B", "waiting", "C01")
    cli("call", "-c", "1")
    cli("start", "-c", "1")
    more = cli("--json", "next-service", "-c", "1", "--to", "E").json()
    assert (more["business"], more["services"]) == ("E", 2)
    walk = cli("--json", "walkin", "-c", "1", "C", "--account", "3100000002").json()
    assert (walk["status"], walk["handler"], walk["counter"]) == ("serving", "C01", 1)
    cli("complete", "-c", "1")
    cli("call", "-c", "1")  # A002 went to E: counter 1 serves A then E
    missed = cli("--json", "noshow", "-c", "1").json()
    assert missed["status"] == "no_show"
    again = cli("--json", "requeue", missed["number"]).json()
    assert again["status"] == "waiting" and again["ahead"] == 0


def test_counter_is_where_the_ticket_is_now(cli: Cli, ready: Hall) -> None:
    """A ticket's `counter` tells a script where the customer goes: null once no counter
    holds the ticket, as after a transfer."""
    cli("issue", "A")
    cli("issue", "A")
    cli("issue", "A")
    cli("call", "-c", "1")
    missed = cli("--json", "noshow", "-c", "1").json()
    assert missed["counter"] is None
    assert cli("--json", "requeue", "A001").json()["counter"] is None
    cli("call", "-c", "1")  # A002
    voided = cli("--json", "cancel", "A002", "--staff", "L01", stdin=LEADER_PIN).json()
    assert voided["counter"] is None
    cli("call", "-c", "1")  # A003
    cli("start", "-c", "1")
    done = cli("--json", "complete", "-c", "1").json()
    assert (done["counter"], done["last_counter"]) == (None, 1)  # where it was completed


def test_recall_and_leader_cancel(cli: Cli, ready: Hall) -> None:
    cli("issue", "A")
    cli("issue", "A")
    cli("call", "-c", "1")
    assert cli("--json", "recall", "-c", "1").json()["recalls"] == 1
    voided = cli("--json", "cancel", "A002", "--staff", "L01", "--reason", "重复取号",
                 stdin=LEADER_PIN)
    assert (voided.code, voided.json()["status"]) == (0, "cancelled")


def test_counter_sign_in_pause_open_close_sign_out(cli: Cli, ready: Hall) -> None:
    signed = cli("--json", "signin", "--counter", "2", "--staff", "C03", stdin=PIN + "\n")
    assert signed.code == 0, signed.err
    desk = signed.json()
    assert (desk["number"], desk["staff"], desk["state"]) == (2, "C03", "open")
    assert cli("--json", "pause", "-c", "2").json()["state"] == "paused"
    assert cli("--json", "open", "-c", "2").json()["state"] == "open"
    assert cli("--json", "close", "-c", "2").json()["state"] == "closed"
    out = cli("--json", "signout", "-c", "2").json()
    assert (out["staff"], out["state"]) == (None, "closed")
    assert "签到" in cli("signin", "-c", "2", "-s", "C03", stdin=PIN).out


def test_close_day_voids_earlier_days_leftovers(cli: Cli, ready: Hall) -> None:
    import datetime as dt

    from db.rules import ops
    from db.store.session import Hall as HallHandle
    from db.store.session import ManualClock

    yesterday = HallHandle(ready.engine, ready.config,
                           ManualClock(dt.datetime.now(dt.UTC) - dt.timedelta(days=1)))
    with yesterday.write() as tx:
        ops.issue_ticket(tx, "D")
    cli("issue", "D")  # today's D001 stays
    refused = cli("close-day", "--staff", "C01", stdin=PIN)
    assert refused.code == 1
    closed = cli("--json", "close-day", "--staff", "L01", stdin=LEADER_PIN)
    assert closed.code == 0, closed.err
    assert [(t["number"], t["status"]) for t in closed.json()] == [("D001", "cancelled")]
    assert cli("--json", "status").json()["waiting"]["D"] == 1


def test_close_day_keeps_the_closed_days_figures(cli: Cli, ready: Hall) -> None:
    """After the day's close a report over earlier days reads their kept figures."""
    import datetime as dt

    from sqlalchemy import select

    from db.figures import days
    from db.rules import ops
    from db.store.session import Hall as HallHandle
    from db.store.session import ManualClock

    then = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    yesterday = HallHandle(ready.engine, ready.config, ManualClock(then))
    with yesterday.write() as tx:
        ops.issue_ticket(tx, "D")
    with ready.read() as tx:
        assert list(tx.conn.execute(select(days.D.c.day)).scalars()) == []
    closed = cli("--json", "close-day", "--staff", "L01", stdin=LEADER_PIN)
    assert closed.code == 0, closed.err
    with ready.read() as tx:
        kept = list(tx.conn.execute(select(days.D.c.day)).scalars())
    assert kept == [ready.config.business_day(then)]
