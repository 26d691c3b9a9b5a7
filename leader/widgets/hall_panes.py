"""Resource moves (资源配置): open, pause or close a counter and change its work profile;
and the wall display's notice line."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Label

from db.errors import Refused
from db.rules import counters, notices
from db.rules.text import NOTICE_MAX
from db.store.session import Tx
from leader.state import ConsoleState
from leader.text import t
from leader.widgets.base import Pane, refill, selected
from ui.text import name

STATES = {"open-counter": "open", "pause-counter": "paused", "close-counter": "closed"}


class CountersPane(Pane):
    """Every counter; the leader's buttons act on the selected one."""

    numbers: tuple[int, ...] = ()

    def compose(self) -> ComposeResult:
        """The counters; the state buttons; the profile."""
        yield Label(id="counters-title", classes="section")
        yield DataTable(id="counters-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="form"):
            yield Button("", id="open-counter", variant="success", compact=True)
            yield Button("", id="pause-counter", variant="warning", compact=True)
            yield Button("", id="close-counter", variant="error", compact=True)
        with Horizontal(classes="form"):  # a row of its own: room for its placeholder at 80
            yield Input(id="profile", max_length=40, restrict=r"[A-Za-z, ]*")
            yield Button("", id="set-profile", variant="primary", compact=True)

    def show(self, state: ConsoleState, lang: str) -> None:
        """Draw the counters."""
        desks = [line.counter for line in state.board.desks]
        self.numbers = tuple(c.number for c in desks)
        self.query_one("#counters-title", Label).update(t("counters_title", lang))
        refill(
            self.query_one("#counters-table", DataTable),
            [t(k, lang) for k in ("counter", "state", "staff", "ticket", "profile")],
            [[name(c, lang), t(f"state_{c.state}", lang),
              f"{c.staff_name} ({c.staff})" if c.staff else "—", c.ticket or "—",
              ",".join(c.profile)] for c in desks],
        )
        for button in ("open", "pause", "close"):
            self.query_one(f"#{button}-counter", Button).label = t(f"do_{button}", lang)
        self.query_one("#profile", Input).placeholder = t("f_profile", lang)
        self.query_one("#set-profile", Button).label = t("set_profile", lang)

    @on(Button.Pressed, "#open-counter, #pause-counter, #close-counter")
    def state_pressed(self, event: Button.Pressed) -> None:
        """Open, pause or close the selected counter."""
        event.stop()
        number = self._counter()
        if number is not None:
            state = STATES[str(event.button.id)]
            self.ask(partial(_set_state, number, state, self.leader), "done_state")

    @on(Button.Pressed, "#set-profile")
    def profile_pressed(self, event: Button.Pressed) -> None:
        """Give the selected counter the profile typed."""
        event.stop()
        number = self._counter()
        if number is not None:
            profile = self.query_one("#profile", Input).value
            self.ask(partial(_set_profile, number, profile, self.leader), "done_profile")

    def _counter(self) -> int | None:
        """The highlighted counter's number; None (and a word on the status line) for none."""
        index = selected(self.query_one("#counters-table", DataTable), len(self.numbers))
        if index is None:
            self.post_message(self.Said("pick_row"))
            return None
        return self.numbers[index]


def _set_state(number: int, state: str, leader: str, tx: Tx) -> object:
    counters.set_state(tx, number, state, staff=leader)
    return None


def _set_profile(number: int, text: str, leader: str, tx: Tx) -> object:
    profile = [p.strip().upper() for p in text.replace(" ", ",").split(",") if p.strip()]
    if not profile:
        raise Refused("type the business types in order, e.g. A,E",
                      zh="请按顺序输入业务代码，如 A,E")
    counters.set_profile(tx, number, profile, staff=leader)
    return None


class NoticePane(Pane):
    """The notice line of the wall displays: set or clear it."""

    def compose(self) -> ComposeResult:
        """The notice now; the text; set and clear."""
        yield Label(id="notice-now", classes="section")
        with Horizontal(classes="form"):
            yield Input(id="notice-text", max_length=NOTICE_MAX)
            yield Button("", id="set-notice", variant="primary", compact=True)
            yield Button("", id="clear-notice", compact=True)

    def show(self, state: ConsoleState, lang: str) -> None:
        """The notice as the displays show it."""
        now = t("notice_now", lang, text=state.notice) if state.notice else t("notice_none", lang)
        self.query_one("#notice-now", Label).update(now)
        self.query_one("#notice-text", Input).placeholder = t("f_notice", lang)
        self.query_one("#set-notice", Button).label = t("set_notice", lang)
        self.query_one("#clear-notice", Button).label = t("clear_notice", lang)

    @on(Button.Pressed, "#set-notice")
    def set_pressed(self, event: Button.Pressed) -> None:
        """Publish the typed text."""
        event.stop()
        self.set_notice()

    @on(Button.Pressed, "#clear-notice")
    def clear_pressed(self, event: Button.Pressed) -> None:
        """Take the notice down."""
        event.stop()
        self.ask(partial(_notice, self.leader, ""), "done_clear")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter sets the notice."""
        event.stop()
        self.set_notice()

    def set_notice(self) -> None:
        """Publish the typed text; an empty field is not a way to clear the notice."""
        field = self.query_one("#notice-text", Input)
        if not field.value.strip():
            self.post_message(self.Said("notice_empty"))
            return
        self.ask(partial(_notice, self.leader, field.value), "done_notice",
                 self.clear("#notice-text"))


def _notice(leader: str, text: str, tx: Tx) -> object:
    return notices.set_notice(tx, leader, text)
