"""`hall audit verify`: check the event log's hash chain.

A log that fails verification is a refusal (exit 1, one line naming the first edited,
inserted or deleted event); `--anchor HASH` also checks that a head hash written down
earlier (on a closing report) is still in the log.
"""

from __future__ import annotations

import re

from db.errors import Refused
from db.store import audit
from db.store.audit import AuditResult
from hall.errors import UsageError
from hall.labels import head_line
from hall.output import progress_bar
from hall.run import Run

HASH_RE = re.compile(r"^[0-9a-f]{64}$")


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
