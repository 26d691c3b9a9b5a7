"""The first-responsible handler (首办责任人) of a ticket, as its steps set it: the first
call (or the walk-in) makes the person at that counter its handler; only the duty leader's
reassign or reopen changes it (docs/design.md §3). The reports replay by this rule
(`db.figures.reports`) and `hall audit verify` checks each ticket's row by it
(`db.store.audit`): it lives here, below both, so that it exists once."""

from __future__ import annotations

from typing import Any

SETS = ("call", "walk_in")
"""The steps that make the person at the counter the handler, if it has none yet."""
MOVES = ("reassign", "reopen")
"""The duty leader's steps that name another handler (`to_handler` in their detail)."""


def handler_after(handler: str | None, kind: str, staff: str | None,
                  detail: dict[str, Any] | None) -> str | None:
    """The handler after one step of kind `kind` by `staff` (its event's detail)."""
    if kind in SETS:
        return handler or staff
    if kind in MOVES:
        return (detail or {}).get("to_handler", handler)
    return handler
