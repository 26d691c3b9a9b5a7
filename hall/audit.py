"""`hall audit verify|seal`: check the event log against its hash chain, and extend it.

A log that fails verification is a refusal (exit 1, one line naming the first edited,
inserted or deleted event); sealing is refused then too, so tampering is never sealed in.
"""

from __future__ import annotations

from typing import Any

from db import audit
from db.audit import AuditResult
from db.errors import Refused
from db.session import Hall
from hall.context import Run, UsageError
from hall.figures import progress_bar


def _checked(result: AuditResult) -> AuditResult:
    if result.problem is not None:
        raise Refused(f"the event log fails verification: {result.problem.message}",
                      zh=f"事件记录校验未通过：{result.problem.message_zh}")
    return result


def _line(result: AuditResult, verb: str) -> str:
    head = (f"链头 head #{result.head_id} {result.head_hash}" if result.head_id
            else "尚无封存 nothing sealed yet")
    return (f"事件记录{verb} (event log {'sealed' if verb == '已封存' else 'intact'})："
            f"已封存 {result.sealed} 条，未封存 {result.unsealed} 条；{head}")


def seal_hall(hall: Hall, *, thorough: bool = True) -> AuditResult:
    """Check and seal the events logged since the last seal (Refused if tampered);
    `thorough` first walks the whole log."""
    with hall.write() as tx, progress_bar("封存 sealing") as tell:
        return audit.seal(tx.conn, tx.now, tell, thorough=thorough)


def verify(run: Run) -> None:
    """`audit verify [--seal]`: the first problem, or the chain's head."""
    hall = run.hall()
    if run.args.seal:
        result = seal_hall(hall)
    else:
        with hall.read() as tx, progress_bar("校验 verifying") as tell:
            result = _checked(audit.verify(tx.conn, tell))
    run.out.done(_line(result, "已封存" if run.args.seal else "完好"), result.to_json())


def seal(run: Run) -> None:
    """`audit seal`: chain the new events onto the log's seal."""
    result = seal_hall(run.hall())
    run.out.done(_line(result, "已封存"), result.to_json())


def _missing(run: Run) -> None:
    """Unreachable (the sub-command is required)."""
    raise UsageError("audit: say `audit verify` or `audit seal`")


def grammar(g: Any) -> None:
    """Add `audit verify` and `audit seal` to the `hall` grammar."""
    from hall.parser import HallParser

    top = g.add("audit", _missing, "事件记录防篡改校验 tamper-evident event log: verify, seal")
    sub = top.add_subparsers(dest="audit_command", metavar="verify|seal", required=True,
                             parser_class=HallParser)
    check = g.add("verify", verify, "校验事件记录 report the first edited, inserted or "
                  "deleted event", sub)
    check.add_argument("--seal", action="store_true", help="校验后封存新事件 then seal new events")
    g.add("seal", seal, "封存新事件 chain the events logged since the last seal", sub)
