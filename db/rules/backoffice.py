"""The support desk's own step (服务岗): a note on a referral while working on it.

Taking a referral and handing it back are `db.rules.ops.take_referral` and
`db.rules.ops.return_from_support`; a note changes nothing but the log, where the handler and the
duty leader read it in the ticket's history.
"""

from __future__ import annotations

from db.errors import AuthFailed, Refused
from db.rules import ops
from db.rules.text import SUPPORT_NOTE_MAX, check_length
from db.store.session import Tx
from db.store.views import TicketView

SUPPORT_ROLES = ("support", "leader")
"""Who works the support desk: the support post, and the duty leader standing in."""


def note_referral(tx: Tx, number: str, staff: str, note: str) -> TicketView:
    """A support colleague writes down what they did or found on a referral they hold (or
    one still in the pool); one `support_note` event."""
    text = note.strip()
    if not text:
        raise Refused("a note needs some text", zh="备注不能为空")
    check_length(text, SUPPORT_NOTE_MAX, "a note", "备注")
    if ops.staff_row(tx, staff).role not in SUPPORT_ROLES:
        raise AuthFailed(f"staff {staff} is not on the support post",
                         zh=f"{staff} 不是服务岗人员")
    row = ops.open_matter(tx, number, ("with_support",))
    if row is None:
        wanted = ops.normalize_number(number)
        raise Refused(f"{wanted} is not with support", zh=f"{wanted} 不在后台")
    if row.support_id not in (None, staff):
        raise Refused(f"{row.number} was referred to {row.support_id}, not {staff}",
                      zh=f"{row.number} 转给了 {row.support_id}，不是 {staff}")
    ops.log(tx, "support_note", ticket=row.id, staff=staff, note=text)
    return TicketView.from_row(row)
