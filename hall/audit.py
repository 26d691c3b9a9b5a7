"""`hall audit verify`: check the database file, the event log's hash chain, and every
ticket, counter, remedy and complaint against what its events say.

A log that fails verification is a refusal (exit 1, one line naming the first damaged page,
edited, inserted or deleted event, or row that differs from its events); `--anchor HASH`
also checks that a head hash written down earlier (on a closing report) is still in the log.
A progress bar is shown on a terminal (never with --json, nor when standard error is piped).
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from typing import Any

from db.errors import Refused
from db.store import audit, halls
from db.store.audit import AuditResult
from db.store.session import Hall
from hall.errors import UsageError
from hall.labels import head_line
from hall.output import progress_bar
from hall.run import Run

HASH_RE = re.compile(r"^[0-9a-f]{64}$")


def _line(result: AuditResult, sealed: bool = True) -> str:
    if not sealed and result.unsealed:
        tail = (f"；未能封存 {result.unsealed} 条尚未入链的事件（当前数据库用户无封存权限），"
                f"本次校验未覆盖它们 (could not seal {result.unsealed} unsealed events: this "
                "database user has no permission to; they are not covered by this check, the "
                "hall's next write or a verify by its own user chains them)")
    elif result.unsealed:
        tail = (f"；另有 {result.unsealed} 条刚提交的事件尚未封存入链 ({result.unsealed} "
                "events committed during the check not yet sealed: the next write or check "
                "chains them)")
    else:
        tail = ""
    return (f"事件记录完好 (event log intact)：{result.events} 条事件环环相扣；"
            f"{result.tickets} 张票号、{result.rows} 个窗口/补救/投诉与事件相符 "
            f"({result.tickets} tickets, {result.rows} counters/remedies/complaints match "
            f"their events)；{head_line(result.head_id, result.head_hash)}{tail}")


def verify(run: Run) -> None:
    """`audit verify [--anchor HASH]`: the first problem, or the chain's head."""
    anchor = run.args.anchor
    if anchor is not None and not HASH_RE.match(anchor.strip().lower()):
        raise UsageError("audit verify: --anchor takes a head hash (64 hex digits) as "
                         "`hall audit verify` or `hall close-day` printed it")
    bar = nullcontext(None) if run.out.as_json else progress_bar("校验 verifying")
    with bar as tell:
        result, sealed = check(run.hall(), tell, anchor.strip().lower() if anchor else None,
                               full=run.args.full)
    if result.problem is not None:
        raise Refused(f"the event log fails verification: {result.problem.message}",
                      zh=f"事件记录校验未通过：{result.problem.message_zh}")
    run.out.done(_line(result, sealed), {**result.to_json(), "sealed_first": sealed})


def check(hall: Hall, progress: Any = None, anchor: str | None = None, *,
          full: bool = False) -> tuple[AuditResult, bool]:
    """The verification `audit verify` reports, and whether the events committed so far
    were sealed into the chain first. On PostgreSQL they are sealed first when the database
    user may (a role granted SELECT alone may not: what is sealed is verified, and the
    unsealed tail reported); then everything is read in one snapshot (`Hall.read`'s
    `snapshot`), so that the chain walked, the unsealed tail counted and the rows replayed
    are one moment's, whatever the sealers commit meanwhile."""
    with hall.read() as tx:
        sealed = audit.may_seal(tx.conn)
    if sealed:
        hall.seal()
    with hall.read(snapshot=True) as tx:
        result: AuditResult = halls.verify(tx.conn, tx.hall_id, progress, anchor, full=full)
    return result, sealed
