"""A text area that stops typing at a length, as an Input's `max_length` does: the core
refuses a text longer than it keeps (db.rules.text), so the customer or clerk is never let
to write what would be refused."""

from __future__ import annotations

from typing import Any

from textual.widgets import TextArea
from textual.widgets.text_area import EditResult, Location


class BoundedTextArea(TextArea):
    """A `TextArea` holding at most `max_length` characters: typing past it does nothing,
    a paste is cut to what still fits."""

    def __init__(self, *args: Any, max_length: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_length = max_length

    def _replace_via_keyboard(
        self, insert: str, start: Location, end: Location
    ) -> EditResult | None:
        """Typing and pasting come through here (not the API's `insert`/`replace`)."""
        kept = len(self.text) - len(self.document.get_text_range(start, end))
        room = max(self.max_length - kept, 0)
        if len(insert) > room:
            if room == 0 and start == end:
                self.app.bell()
                return None
            insert = insert[:room]
        return super()._replace_via_keyboard(insert, start, end)
