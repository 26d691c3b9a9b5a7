"""The priority classes as a row of toggle buttons, exactly one of them on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Label

from db.config import NORMAL, PriorityClass
from kiosk.text import t
from ui.text import name


def customer_priorities(priorities: tuple[PriorityClass, ...]) -> tuple[PriorityClass, ...]:
    """The priority classes a customer may choose on their own: all but the guide-only
    ones (`guide_only = true` in the hall config, e.g. an appointment, which staff check)."""
    return tuple(p for p in priorities if not p.guide_only)


class PriorityChooser(Widget):
    """A label and one toggle per priority class; "normal" is on unless another is chosen."""

    DEFAULT_CSS = """
    PriorityChooser {
        layout: horizontal;
        height: auto;
        & > Label { width: auto; height: 3; content-align: left middle; padding-right: 1; }
        & > .options { layout: horizontal; height: auto; width: 1fr; }
        & Button { width: 1fr; min-width: 6; }
        & Button.-on { background: $success; color: $text; text-style: bold; }
    }
    """

    BINDINGS = [
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    language: reactive[str] = reactive("zh")
    """Language of the labels."""
    selected: reactive[str] = reactive(NORMAL)
    """Code of the chosen class."""

    class Changed(Message):
        """The customer chose another priority class."""

        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code
            """The chosen class's code."""

    def __init__(self, priorities: tuple[PriorityClass, ...], *, id: str | None = None) -> None:
        super().__init__(id=id)
        # Normal first: it is the default and what most customers want.
        self.priorities = sorted(priorities, key=lambda p: p.code != NORMAL)

    def compose(self) -> ComposeResult:
        """The caption, then one button per class."""
        yield Label()
        with Container(classes="options"):
            for klass in self.priorities:
                yield Button("", id=f"priority-{klass.code}")

    def watch_language(self, lang: str) -> None:
        """Relabel."""
        self.query_one(Label).update(t("priority", lang))
        for klass in self.priorities:
            self.query_one(f"#priority-{klass.code}", Button).label = name(klass, lang)

    def watch_selected(self, code: str) -> None:
        """Light up the chosen one."""
        for klass in self.priorities:
            self.query_one(f"#priority-{klass.code}", Button).set_class(
                klass.code == code, "-on"
            )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A toggle was touched: it becomes the only one on."""
        event.stop()
        code = (event.button.id or "").removeprefix("priority-")
        self.selected = code
        self.post_message(self.Changed(code))
