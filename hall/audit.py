"""`hall audit verify`: check the event log's hash chain.

A log that fails verification is a refusal (exit 1, one line naming the first edited,
inserted or deleted event); `--anchor HASH` also checks that a head hash written down
earlier (on a closing report) is still in the log.
"""

from __future__ import annotations

import re
from typing import Any

from db.errors import Refused
from db.store import audit
from db.store.audit import AuditResult
from hall.context import Run, UsageError
from hall.figures import progress_bar

HASH_RE = re.compile(r"^[0-9a-f]{64}$")


def head_line(head_id: int | None, head_hash: str | None) -> str:
    """The head of the chain, to be written down outside the database."""
    if head_id is None:
        return "事件记录为空 (no events yet)"
    return f"链头 head #{head_id} {head_hash}"


def _line(result: AuditResult) -> str:
    return (f"事件记录完好 (event log intact)：{result.events} 条事件环环相扣；"
            f"{head_line(result.head_id, result.head_hash)}")


def verify(run: Run) -> None:
    """`audit verify [--anchor HASH]`: the first problem, or the chain's head."""
    anchor = run.args.anchor
    if anchor is not None and not HASH_RE.match(anchor.strip().lower()):
        raise UsageError("audit verify: --anchor takes a head hash (64 hex digits) as "
                         "`hall audit verify` or `hall close-day` printed it")
    with run.hall().read() as tx, progress_bar("校验 verifying") as tell:
        result = audit.verify(tx.conn, tell, anchor.strip().lower() if anchor else None)
    if result.problem is not None:
        raise Refused(f"the event log fails verification: {result.problem.message}",
                      zh=f"事件记录校验未通过：{result.problem.message_zh}")
    run.out.done(_line(result), result.to_json())


def _missing(run: Run) -> None:
    """Unreachable (the sub-command is required)."""
    raise UsageError("audit: say `audit verify`")


def grammar(g: Any) -> None:
    """Add `audit verify` to the `hall` grammar."""
    from hall.parser import HallParser

    top = g.add("audit", _missing, "事件记录防篡改校验 tamper-evident event log: verify")
    sub = top.add_subparsers(dest="audit_command", metavar="verify", required=True,
                             parser_class=HallParser)
    check = g.add("verify", verify, "校验事件记录 report the first edited, inserted or "
                  "deleted event", sub)
    check.add_argument("--anchor", metavar="HASH",
                       help="抄录的链头 a head hash written down earlier: must still be in the log")
