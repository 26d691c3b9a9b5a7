"""Business-type buttons: one large button per queue, in a grid that arrows move through."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Label

from db.config import BusinessType
from kiosk.text import other_name
from ui.text import name


class BusinessButton(Widget, can_focus=True):
    """A business type to take a number for: its name big, the other language's small."""

    DEFAULT_CSS = """
    BusinessButton {
        layout: horizontal;
        align-vertical: middle;
        height: auto;
        min-height: 4;
        padding: 0 1;
        border: tall $primary 40%;
        background: $primary 15%;
        &:hover { background: $primary 30%; }
        &:focus { border: tall $accent; background: $accent 25%; }
        &.-selected { border: tall $success; background: $success 30%; }
        & > .key { width: 3; height: auto; color: $text-muted; }
        & > Vertical { height: auto; width: 1fr; }
        & .main { width: 1fr; text-style: bold; }
        & .second { width: 1fr; color: $text-muted; }
    }
    """

    BINDINGS = [Binding("enter,space", "press", show=False)]

    language: reactive[str] = reactive("zh")
    """The language of the big line; the small line is the other one."""
    selected: reactive[bool] = reactive(False)
    """Marked as the chosen business (guide mode)."""

    class Pressed(Message):
        """The button was touched, clicked or pressed with Enter."""

        def __init__(self, business: BusinessType) -> None:
            super().__init__()
            self.business = business
            """The business type of the button."""

    def __init__(self, business: BusinessType, key: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.business = business
        self.key = key

    def compose(self) -> ComposeResult:
        """The key that picks it, then the two names."""
        yield Label(str(self.key) if self.key <= 9 else "", classes="key")
        with Vertical():
            yield Label(classes="main")
            yield Label(classes="second")

    def watch_language(self, lang: str) -> None:
        """Put the names in the right order for `lang`."""
        self.query_one(".main", Label).update(name(self.business, lang))
        self.query_one(".second", Label).update(other_name(self.business, lang))

    def watch_selected(self, selected: bool) -> None:
        """Show the selection."""
        self.set_class(selected, "-selected")

    def on_click(self, event: Click) -> None:
        """A touch presses it."""
        event.stop()
        self.action_press()

    def action_press(self) -> None:
        """Tell the screen which business was chosen."""
        self.post_message(self.Pressed(self.business))


class BusinessGrid(Grid):
    """The business buttons; arrows move between them, row by row."""

    DEFAULT_CSS = """
    BusinessGrid {
        grid-size: 2;
        grid-gutter: 0 1;
        grid-rows: auto;
        height: auto;
    }
    """

    BINDINGS = [
        Binding("left", "move(-1, 0)", show=False),
        Binding("right", "move(1, 0)", show=False),
        Binding("up", "move(0, -1)", show=False),
        Binding("down", "move(0, 1)", show=False),
    ]

    language: reactive[str] = reactive("zh")
    """Passed on to every button."""
    selected: reactive[str | None] = reactive(None)
    """Prefix of the marked business, if any."""

    def __init__(self, businesses: tuple[BusinessType, ...], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.businesses = businesses

    def compose(self) -> ComposeResult:
        """One button per business type, numbered from 1."""
        for index, business in enumerate(self.businesses, 1):
            yield BusinessButton(business, index, id=f"business-{business.prefix}")

    @property
    def buttons(self) -> list[BusinessButton]:
        """The buttons in order."""
        return list(self.query(BusinessButton))

    def watch_language(self, lang: str) -> None:
        """Relabel the buttons."""
        for button in self.buttons:
            button.language = lang

    def watch_selected(self, prefix: str | None) -> None:
        """Mark the chosen one."""
        for button in self.buttons:
            button.selected = button.business.prefix == prefix

    def focus_first(self) -> None:
        """Put the keyboard on the first business."""
        if self.buttons:
            self.buttons[0].focus()

    def action_move(self, dx: int, dy: int) -> None:
        """Move the focus by columns (dx) or rows (dy), staying inside the grid."""
        buttons = self.buttons
        focused = self.screen.focused
        index = next((i for i, b in enumerate(buttons) if b is focused), None)
        if index is None:
            self.focus_first()
            return
        columns = max(1, self.styles.grid_size_columns or 1)
        target = index + dx + dy * columns
        if 0 <= target < len(buttons):
            buttons[target].focus()
        elif dy > 0:
            self._leave_downwards(buttons[-1])

    def _leave_downwards(self, last: BusinessButton) -> None:
        """Down from the bottom row goes on to whatever follows the grid (the priorities)."""
        chain = self.screen.focus_chain
        after = chain.index(last) + 1 if last in chain else len(chain)
        if after < len(chain):
            chain[after].focus()
