"""The console: the hall board, the leader's in-tray and the day's charts on seven pages.

Every step a pane asks for runs in a worker, in one write transaction, and the whole console
is read again afterwards, refused or not. Other processes' work (a kiosk issuing, a clerk
asking for a remedy) shows within a fraction of a second: a short timer asks the change
watcher (one cheap pragma) whether anyone committed, and only then a worker reads again
(`ui.watched`); while the database is away the status line says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Label, TabbedContent, TabPane, Tabs

from db.config import HallConfig
from db.rules import queries
from db.store.session import Hall
from db.store.views import EventView, StaffView
from db.store.watch import ChangeWatcher
from leader.state import ConsoleState, Step, read_state
from leader.text import t
from leader.widgets.base import Pane
from leader.widgets.board import BoardPane
from leader.widgets.charts import ChartsPane
from leader.widgets.complaints import ComplaintsPane
from leader.widgets.hall_panes import CountersPane, NoticePane
from leader.widgets.inbox import ApprovalsPane, FeedbackPane
from ui.history import remedy_name, staff_label
from ui.screens.base import HallScreen, WorkFailed
from ui.text import name
from ui.watched import Watched, stale_line

PAGES = ("board", "complaints", "approvals", "counters", "feedback", "notice", "charts")
"""The pages in tab order; F1 to F7."""

CHECK_SECONDS = 0.25
"""How often the console asks the change watcher whether another process committed."""

def waiting_for_leader(state: ConsoleState) -> dict[str, int]:
    """What each counted page holds for the leader to act on."""
    return {"complaints": len(state.complaints), "approvals": len(state.pending),
            "feedback": sum(1 for f in state.feedback if f.status == "new")}


def seen_keys(state: ConsoleState, leader: str) -> set[str]:
    """Everything the leader is told of once: each pending request, open complaint (not
    one this leader recorded), new note and printer fault by its id."""
    return ({f"remedy:{r.id}" for r in state.pending}
            | {f"complaint:{c.id}" for c in state.complaints if c.recorded_by != leader}
            | {f"feedback:{f.id}" for f in state.feedback if f.status == "new"}
            | {f"fault:{e.id}" for e in state.board.printer_faults})


class ConsoleScreen(Watched[ConsoleState], HallScreen):
    """The signed-in duty leader's console."""

    BINDINGS = [
        # Priority: the page keys work while a text field has the focus too.
        *(Binding(f"f{i}", f"page('{page}')", show=False, priority=True)
          for i, page in enumerate(PAGES, 1)),
        Binding("f12", "sign_out", show=False),
    ]

    class StateLoaded(Message):
        """The console as the database has it now, after a step (`done`) or a reload."""

        def __init__(self, state: ConsoleState, done: str = "",
                     then: Callable[[], None] | None = None) -> None:
            super().__init__()
            self.state = state
            """What was read."""
            self.done = done
            """Text key of the step's confirmation; empty for a plain reload."""
            self.then = then
            """The asking pane's follow-up of a step that succeeded."""

    class HistoryLoaded(Message):
        """A ticket's events, for the complaints page."""

        def __init__(self, events: list[EventView]) -> None:
            super().__init__()
            self.events = events
            """Oldest first."""

    class SignedOut(Message):
        """The leader left; the app goes back to the sign-in."""

    def __init__(self, config: HallConfig, hall: Hall, staff: StaffView,
                 watcher: ChangeWatcher | None = None, check_seconds: float = CHECK_SECONDS
                 ) -> None:
        super().__init__()
        self.config = config
        self.hall = hall
        self.staff = staff
        self.watcher = watcher
        self.check_seconds = check_seconds
        self.state: ConsoleState | None = None
        self.seen: set[str] | None = None
        """What the leader has been told of (None before the first read, which tells
        nothing: what is there at sign-in shows in the tab counts)."""
        self.over_sla = 0
        """How many waited past the SLA target at the last read."""

    def compose(self) -> ComposeResult:
        """Header, the seven pages, the key hint and the status line."""
        yield Label(id="console-header")
        with TabbedContent(id="pages"):
            panes: list[Pane] = [
                BoardPane(self.config, self.staff.id, id="board"),
                ComplaintsPane(self.config, self.staff.id, id="complaints"),
                ApprovalsPane(self.config, self.staff.id, id="approvals"),
                CountersPane(self.config, self.staff.id, id="counters"),
                FeedbackPane(self.config, self.staff.id, id="feedback"),
                NoticePane(self.config, self.staff.id, id="notice"),
                ChartsPane(self.config, self.staff.id, id="charts"),
            ]
            for page, pane in zip(PAGES, panes, strict=True):
                with TabPane(t(f"tab_{page}", "zh"), id=f"page-{page}"):
                    yield pane
        yield Label(id="console-keys")
        yield Label(id="console-status", classes="status")

    def on_mount(self) -> None:
        """Read the hall and keep it fresh."""
        super().on_mount()
        self.start_watching(self.watcher, every=self.check_seconds)

    def relabel(self, lang: str) -> None:
        """Every label in `lang` (the panes redraw from the last state)."""
        header = t("header", lang, hall=name(self.config, lang), name=self.staff.name,
                   id=self.staff.id)
        self.query_one("#console-header", Label).update(header)
        self.query_one("#console-keys", Label).update(t("keys", lang))
        self.label_tabs(lang)
        if self.state is not None:
            self.draw(self.state)

    def label_tabs(self, lang: str) -> None:
        """Each tab's name and key, and how many items wait on its page ("审批 F3 2")."""
        counts = waiting_for_leader(self.state) if self.state is not None else {}
        tabs = self.query_one("#pages", TabbedContent)
        for page in PAGES:
            label = t(f"tab_{page}", lang)
            if counts.get(page):
                label = t("tab_count", lang, label=label, n=counts[page])
            tabs.get_tab(f"page-{page}").label = label

    def draw(self, state: ConsoleState) -> None:
        """Hand the state down to every page; count on the tabs."""
        for pane in self.query(Pane):
            pane.show(state, self.language)
        self.label_tabs(self.language)

    def tell_new(self, state: ConsoleState) -> None:
        """A toast and the bell for each thing that newly needs the leader since the last
        read: a remedy request, a complaint, a supervision-box note, a printer fault, more
        customers waiting past the SLA target. A reload with nothing new says nothing."""
        keys = seen_keys(state, self.staff.id)
        over = state.board.over_sla
        if self.seen is None:
            self.seen, self.over_sla = keys, over
            return
        new = keys - self.seen
        self.seen, grew, self.over_sla = keys, over > self.over_sla, over
        lang = self.language
        lines = []
        for r in state.pending:
            if f"remedy:{r.id}" in new:
                lines.append(t("alert_remedy", lang, ticket=r.ticket,
                               kind=remedy_name(self.config, r.kind, lang), amount=r.amount,
                               by=staff_label(r.requested_by, state.staff_names)))
        lines += [t("alert_complaint", lang, ticket=c.ticket)
                  for c in state.complaints if f"complaint:{c.id}" in new]
        lines += [t("alert_feedback", lang, body=f.body)
                  for f in state.feedback if f"feedback:{f.id}" in new]
        lines += [t("alert_fault", lang, what=(e.detail or {}).get("message", ""))
                  for e in state.board.printer_faults if f"fault:{e.id}" in new]
        if grew:
            lines.append(t("alert_sla", lang, n=over, sla=f"{state.board.sla_minutes:g}"))
        if lines:
            self.app.bell()
            self.notify("\n".join(lines), severity="warning", timeout=10, markup=False)

    def action_page(self, page: str) -> None:
        """F1-F7: show a page."""
        self.query_one("#pages", TabbedContent).active = f"page-{page}"
        if not self.query_one(f"#{page}", Pane).focus_first():
            # Off the text field of the page left: a focused widget on a hidden page would
            # bring that page back.
            self.query_one("#pages", TabbedContent).query_one(Tabs).focus()

    def action_sign_out(self) -> None:
        """F12: back to the sign-in."""
        self.post_message(self.SignedOut())

    # -- reading ---------------------------------------------------------------------------

    def read_watched(self) -> ConsoleState:
        """Read (worker thread; touches no widget)."""
        return read_state(self.hall)

    def show_watched(self, state: ConsoleState) -> None:
        """Draw what was read; tell the leader what is new."""
        self.state = state
        self.draw(state)
        self.tell_new(state)

    def show_stale(self, error: Exception | None) -> None:
        """The status line says the console may be out of date and why, until a read
        succeeds again."""
        status = self.query_one("#console-status", Label)
        if error is not None:
            self.say(stale_line(error, self.language), error=True)
            status.add_class("-stale")
        elif status.has_class("-stale"):
            self.say("")

    def on_console_screen_state_loaded(self, event: StateLoaded) -> None:
        """Draw what a step read after itself; confirm the step."""
        self.show_watched(event.state)
        if event.done:
            self.say(t(event.done, self.language))
        if event.then is not None:
            event.then()

    # -- steps -----------------------------------------------------------------------------

    def on_pane_step_asked(self, event: Pane.StepAsked) -> None:
        """A pane asked for a step: run it, then read everything again."""
        event.stop()
        self.perform(event.step, event.done, event.then)

    @work(thread=True, exit_on_error=False, group="step")
    def perform(self, step: Step, done: str, then: Callable[[], None] | None) -> None:
        """The step in one write transaction, then a fresh read (worker thread); `then` is
        handed back to the UI thread only when the step succeeded."""
        try:
            with self.hall.write() as tx:
                step(tx)
        except BaseException:
            self.post_message(self.StateLoaded(read_state(self.hall)))  # show what is true
            raise
        self.post_message(self.StateLoaded(read_state(self.hall), done, then))

    def on_pane_said(self, event: Pane.Said) -> None:
        """A pane's one line."""
        event.stop()
        self.say(t(event.key, self.language, **event.fields))

    def on_complaints_pane_history_wanted(self, event: ComplaintsPane.HistoryWanted) -> None:
        """Read the selected ticket's history."""
        event.stop()
        self.read_history(event.number, event.day)

    @work(thread=True, exit_on_error=False, group="history", exclusive=True)
    def read_history(self, number: str, day: dt.date) -> None:
        """A ticket's events (worker thread)."""
        with self.hall.read() as tx:
            events = queries.history(tx, number, day)
        self.post_message(self.HistoryLoaded(events))

    def on_console_screen_history_loaded(self, event: HistoryLoaded) -> None:
        """Show the history on the complaints page."""
        self.query_one(ComplaintsPane).show_history(event.events, self.language)

    def on_work_failed(self, event: WorkFailed) -> None:
        """A refusal on the status line; a fault is the app's."""
        if event.refusal is not None:
            event.stop()
            self.say(event.refusal, error=True)

    def say(self, message: str, *, error: bool = False) -> None:
        """The one status line."""
        status = self.query_one("#console-status", Label)
        status.update(message)
        status.set_class(error, "-error")
        status.remove_class("-stale")
