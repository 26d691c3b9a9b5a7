"""The support desk: the referrals for this colleague and the pool on the left, the chosen
one's handler, request and history on the right, one key and one button per step. The
board reloads whenever another process commits (the change watcher, `ui.watched`) and after
each step; while the database is away the status line says so."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option

from counter.screens.dialogs import NOTE_MAX, PromptScreen
from counter.support.machine import Board, SupportMachine
from counter.support.text import t
from db.rules.text import SUPPORT_NOTE_MAX
from db.store.views import EventView, StaffView, TicketView
from db.store.watch import ChangeWatcher
from ui.history import event_line
from ui.screens.base import HallScreen, WorkFailed
from ui.watched import Watched, stale_line

ACTIONS: tuple[tuple[str, str], ...] = (
    ("take", "f1,t"), ("note", "f2,n"), ("done", "f3,d"), ("question", "f4,q"),
    ("sign_out", "f12"),
)
"""Each step: its action name (button id `do-NAME`, text key `a_NAME`) and its keys."""

CHECK_SECONDS = 0.5
"""How often the watcher is asked whether another process committed."""


class DeskScreen(Watched[Board], HallScreen):
    """The signed-in support colleague's desk."""

    BINDINGS = [Binding(keys, name, show=False) for name, keys in ACTIONS]

    class BoardLoaded(Message):
        """The board as the database has it now, after a step (`done`)."""

        def __init__(self, board: Board, done: str = "", number: str = "") -> None:
            super().__init__()
            self.board = board
            """What was read."""
            self.done = done
            """Text key of the step's confirmation."""
            self.number = number
            """The ticket the step was about."""

    class SignedOut(Message):
        """The colleague left; the app goes back to the sign-in."""

    def __init__(self, machine: SupportMachine, staff: StaffView,
                 watcher: ChangeWatcher | None = None) -> None:
        super().__init__()
        self.machine = machine
        self.staff = staff
        self.watcher = watcher
        self.board: Board | None = None
        self.chosen: int | None = None
        """Id of the referral highlighted in the list."""

    def compose(self) -> ComposeResult:
        """Header, the list beside the details, the step buttons, the hint, the status."""
        yield Label(id="desk-header")
        with Horizontal(id="desk-body"):
            with VerticalScroll(id="list-side"):
                yield Label(id="list-title", classes="section")
                yield OptionList(id="referrals")
            with VerticalScroll(id="detail"):
                for line in ("number", "handler", "state", "account", "request"):
                    yield Label(id=f"detail-{line}", classes="detail-line")
                yield Label(id="history-title", classes="section")
                yield Label(id="history")
        with Grid(id="desk-actions"):
            for action, _ in ACTIONS:  # a button does what its key does
                yield Button("", id=f"do-{action}", compact=True, action=f"screen.{action}")
        yield Label(id="desk-hint")
        yield Label(id="desk-status", classes="status")

    def on_mount(self) -> None:
        """Read the board, and keep it fresh."""
        self.query_one(OptionList).focus()
        self.start_watching(self.watcher, every=CHECK_SECONDS)

    def on_unmount(self) -> None:
        """Let go of the watcher's connection."""
        if self.watcher is not None:
            self.watcher.close()

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        hall = self.machine.config.name_en if lang == "en" else self.machine.config.name_zh
        self.query_one("#desk-header", Label).update(
            t("desk_title", lang, hall=hall, name=self.staff.name, id=self.staff.id))
        self.query_one("#desk-hint", Label).update(t("keys_hint", lang))
        self.query_one("#history-title", Label).update(t("history", lang))
        for action, _ in ACTIONS:
            self.query_one(f"#do-{action}", Button).label = t(f"a_{action}", lang)
        self.show_board()

    # -- reading ----------------------------------------------------------------------------

    def read_watched(self) -> Board:
        """The board, with the highlighted referral's history (worker thread)."""
        return self.machine.board(self.staff.id, self.chosen)

    def show_watched(self, board: Board) -> None:
        """Show what was read."""
        self.board = board
        self.show_board()

    def show_stale(self, error: Exception | None) -> None:
        """The status line says the board may be out of date and why, until a read
        succeeds again."""
        status = self.query_one("#desk-status", Label)
        if error is not None:
            self.show_status(stale_line(error, self.language), error=True)
            status.add_class("-stale")
        elif status.has_class("-stale"):
            self.show_status("")

    @work(thread=True, exit_on_error=False, group="step")
    def run_step(self, step: Callable[[], TicketView], done: str, number: str) -> None:
        """Do the step, then read the board, refused or not (worker thread)."""
        try:
            step()
        finally:
            board = self.machine.board(self.staff.id, self.chosen)
            self.post_message(self.BoardLoaded(board, done, number))

    def on_desk_screen_board_loaded(self, event: BoardLoaded) -> None:
        """Show what the step left, and its confirmation."""
        self.show_watched(event.board)
        if event.done:
            self.show_status(t(event.done, self.language, number=event.number))

    def on_work_failed(self, event: WorkFailed) -> None:
        """A refusal of the core: its one line on the status bar."""
        if event.refusal is not None:
            event.stop()
            self.show_status(event.refusal, error=True)

    # -- showing ----------------------------------------------------------------------------

    def show_board(self) -> None:
        """The list, keeping the highlighted referral, and its details."""
        lang, board = self.language, self.board
        referrals = board.referrals if board else ()
        title = t("list_title", lang, n=len(referrals)) if referrals else t("list_none", lang)
        self.query_one("#list-title", Label).update(title)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(self._line(r), id=str(r.id)) for r in referrals])
        ids = [r.id for r in referrals]
        if ids:
            self.chosen = self.chosen if self.chosen in ids else ids[0]
            options.highlighted = ids.index(self.chosen)
        else:
            self.chosen = None
        self.show_detail()
        if board is not None and self.chosen != board.chosen:
            self.reload()  # the history read was of another referral (or none)

    def _line(self, ticket: TicketView) -> str:
        lang = self.language
        key = "line_pool" if ticket.support is None else "line_mine"
        return t(key, lang, number=ticket.number, business=self._business(ticket.business),
                 handler=self._staff_name(ticket.handler))

    def _business(self, prefix: str) -> str:
        business = self.machine.config.business(prefix)
        return business.name_en if self.language == "en" else business.name_zh

    def _staff_name(self, staff: str | None) -> str:
        names = self.board.staff_names if self.board else {}
        return names.get(staff or "", staff or "-")

    @property
    def ticket(self) -> TicketView | None:
        """The highlighted referral."""
        referrals = self.board.referrals if self.board else ()
        return next((r for r in referrals if r.id == self.chosen), None)

    def show_detail(self) -> None:
        """The highlighted referral's handler, state, request and history."""
        lang, ticket = self.language, self.ticket
        lines: dict[str, str] = dict.fromkeys(("number", "handler", "state", "account",
                                               "request"), "")
        if ticket is None:
            lines["number"] = t("detail_none", lang)
        else:
            lines.update(
                number=t("detail_number", lang, number=ticket.number,
                         business=self._business(ticket.business)),
                handler=t("detail_handler", lang, name=self._staff_name(ticket.handler),
                          id=ticket.handler),
                state=t("detail_pool" if ticket.support is None else "detail_mine", lang),
                account=t("detail_account", lang, account=ticket.account)
                if ticket.account else "",
                request=t("detail_request", lang, note=ticket.note) if ticket.note else "",
            )
        for key, value in lines.items():
            label = self.query_one(f"#detail-{key}", Label)
            label.update(value)
            label.display = bool(value)
        board = self.board
        steps = board.history if board and ticket and board.chosen == ticket.id else ()
        self.query_one("#history-title", Label).display = bool(steps)
        # Plain text: a note may hold square brackets, which are not markup.
        self.query_one("#history", Label).update(Text("\n".join(self._step(e) for e in steps)))

    def _step(self, event: EventView) -> str:
        names = self.board.staff_names if self.board else {}
        return event_line(event, self.machine.config, names, self.language)

    def show_status(self, message: str, *, error: bool = False) -> None:
        """The one status line."""
        status = self.query_one("#desk-status", Label)
        status.update(message)
        status.set_class(error, "-error")
        status.remove_class("-stale")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Another referral chosen: its details (the history comes with the next read)."""
        chosen = int(event.option.id or 0)
        if chosen != self.chosen:
            self.chosen = chosen
            self.show_detail()
            self.reload()

    # -- the steps --------------------------------------------------------------------------

    def _chosen(self) -> TicketView | None:
        ticket = self.ticket
        if ticket is None:
            self.show_status(t("need_referral", self.language), error=True)
        return ticket

    def action_take(self) -> None:
        """Take the chosen referral from the pool (F1 / t)."""
        ticket = self._chosen()
        if ticket is not None:
            number, staff = ticket.number, self.staff.id
            self.run_step(lambda: self.machine.take(number, staff), "done_take", number)

    def action_note(self) -> None:
        """Write down what was done or found (F2 / n)."""
        self._ask("ask_note", True, lambda n, text: self.machine.note(n, self.staff.id, text),
                  "done_note", max_length=SUPPORT_NOTE_MAX)

    def action_done(self) -> None:
        """Hand the referral back as done, with the outcome (F3 / d)."""
        self._ask("ask_done", False,
                  lambda n, text: self.machine.hand_back(n, self.staff.id, text, "done"),
                  "done_done")

    def action_question(self) -> None:
        """Hand the referral back with a question for the handler (F4 / q)."""
        self._ask("ask_question", True,
                  lambda n, text: self.machine.hand_back(n, self.staff.id, text, "question"),
                  "done_question")

    def _ask(self, title: str, required: bool, step: Callable[[str, str], TicketView],
             done: str, *, max_length: int = NOTE_MAX) -> None:
        ticket = self._chosen()
        if ticket is None:
            return
        number = ticket.number

        def answered(text: str | None) -> None:
            if text is not None:
                self.run_step(lambda: step(number, text), done, number)

        prompt = PromptScreen(t(title, self.language, number=number), required=required,
                              max_length=max_length)
        self.app.push_screen(prompt, answered)

    def action_sign_out(self) -> None:
        """Leave the desk (F12)."""
        self.post_message(self.SignedOut())
