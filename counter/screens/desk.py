"""The clerk's desk: the current customer, the counter's queue, today's own figures, and one
key and one button per step. Each step runs in a worker, names the ticket this screen shows
(`expect`), and reloads the whole desk from the database afterwards, refused or not.

Other processes' work (a kiosk issuing, the duty leader approving a remedy) shows within a
fraction of a second: a short timer asks the change watcher (one cheap pragma) whether
anyone committed, and only then a worker reads the desk again (`ui.watched`); while the
database is away the status line says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Label

from counter.machine import CounterMachine, DeskState
from counter.news import news, remedy_done, support_says
from counter.screens.dialogs import AskScreen, PickScreen, PromptScreen
from counter.screens.remedy import RemedyAsked, RemedyScreen
from counter.text import t
from counter.widgets.figures_panel import FiguresPanel
from counter.widgets.queue_panel import QueuePanel
from counter.widgets.ticket_card import TicketCard
from db.errors import SessionEnded
from db.rules.text import width
from db.store.sql import T
from db.store.views import MatterView, RemedyView, StaffView, TicketView
from db.store.watch import ChangeWatcher
from ui.screens.base import HallScreen, WorkFailed
from ui.text import name
from ui.watched import Watched, stale_line

ACTIONS: tuple[tuple[str, str], ...] = (
    ("call_next", "f1,n"), ("call_number", "f2,m"), ("recall", "f3,r"), ("no_show", "f4,x"),
    ("start", "f5,s"), ("complete", "f6,d"), ("transfer", "f7,t"), ("next_service", "f8,a"),
    ("refer", "f9,b"), ("walk_in", "f10,w"), ("pause", "f11,p"), ("sign_out", "f12"),
    ("remedy", "g"), ("open_matters", "o"), ("close", "c"), ("set_aside", "h"),
)
"""Each step: its action name (button id `do-NAME`, text key `a_NAME`) and its keys."""

Step = Callable[[], TicketView | RemedyView | None]

WIDE_COLUMNS = 120
"""From this width on, the steps' buttons carry their labels in full (`wide_a_NAME`); below,
the short ones (`a_NAME`), so that every key stays on the button at 80 columns."""

CHECK_SECONDS = 0.2
"""How often the desk asks the change watcher whether another process committed."""


class DeskScreen(Watched[DeskState], HallScreen):
    """The signed-in clerk's counter."""

    BINDINGS = [Binding(keys, name, show=False) for name, keys in ACTIONS]
    # Nothing takes the focus by itself: every step is a key of the screen, and a focused
    # button would turn a stray Enter into a step.
    AUTO_FOCUS = ""

    class StateLoaded(Message):
        """The desk as the database has it now, after a step."""

        def __init__(self, state: DeskState, done: str,
                     ticket: TicketView | RemedyView | None = None) -> None:
            super().__init__()
            self.state = state
            """What was read."""
            self.done = done
            """Text key of the step's confirmation."""
            self.ticket = ticket
            """The ticket (or the remedy) the step returned."""

    class SignedOut(Message):
        """The clerk left the counter; the app goes back to the sign-in."""

    def __init__(self, machine: CounterMachine, staff: StaffView,
                 watcher: ChangeWatcher | None = None, check_seconds: float = CHECK_SECONDS
                 ) -> None:
        super().__init__()
        self.machine = machine
        self.staff = staff
        self.watcher = watcher
        """Tells when another process committed; None: the desk reads only after a step."""
        self.check_seconds = check_seconds
        self.state: DeskState | None = None
        self.busy = False
        """A step is under way: it reads the desk after itself, so no plain read starts."""
        self.ended = False
        """This client's session ended elsewhere: the desk is on its way out."""
        self.status_text: str | Callable[[str], str] = ""
        """What the status line says: fixed, or written in each language."""

    def compose(self) -> ComposeResult:
        """Header, card and queue, the step buttons, the hint and the status line."""
        config = self.machine.config
        yield Label(id="desk-header")
        with Horizontal(id="desk-body"):
            with VerticalScroll(id="card-scroll"):
                yield TicketCard(config, id="ticket-card")
            with VerticalScroll(id="side"):
                yield QueuePanel(config, id="queue-panel")
                yield FiguresPanel(id="figures-panel")
        with Grid(id="desk-actions"):
            for action, _ in ACTIONS:  # a button does what its key does
                yield Button("", id=f"do-{action}", compact=True, action=f"screen.{action}")
        yield Label(id="desk-hint")
        yield Label(id="desk-status", classes="status")

    def on_mount(self) -> None:
        """Read the counter (its current ticket survives a restart) and keep it fresh."""
        super().on_mount()
        self.start_watching(self.watcher, every=self.check_seconds)

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        self.query_one(TicketCard).language = lang
        self.query_one(QueuePanel).language = lang
        self.query_one(FiguresPanel).language = lang
        self.query_one("#desk-hint", Label).update(t("keys_hint", lang))
        self._show_header()
        shown = self.status_text
        if not isinstance(shown, str) and self.is_mounted:
            self.query_one("#desk-status", Label).update(shown(lang))

    def _show_header(self) -> None:
        lang, config = self.language, self.machine.config
        state = self.state.counter.state if self.state else "open"
        mode = t("desk_mode", lang, name=self.staff.name, id=self.staff.id,
                 state=t(f"state_{state}", lang))
        counter = name(config.counter(self.machine.counter), lang)
        self.query_one("#desk-header", Label).update(f"{name(config, lang)} · {counter} · {mode}")
        wide = "wide_" if self.size.width >= WIDE_COLUMNS else ""
        for action, _ in ACTIONS:
            key = f"a_{action}"
            if action == "pause" and state == "paused":
                key = "a_resume"
            elif action == "close" and state == "closed":
                key = "a_open_counter"
            self.query_one(f"#do-{action}", Button).label = t(wide + key, lang)

    def on_resize(self) -> None:
        """Full labels on a wide screen, short ones on a narrow one."""
        if self.is_mounted:
            self._show_header()

    @property
    def ticket(self) -> TicketView | None:
        """The ticket this screen shows: what every step names as `expect`."""
        return self.state.ticket if self.state else None

    # -- the steps --------------------------------------------------------------------------

    def action_call_next(self) -> None:
        """Call the next customer (F1 / n)."""
        self.run_step(self.machine.call_next, "done_call")

    def action_call_number(self) -> None:
        """Call a named number (F2 / m): picked from the waiting and today's no-shows
        within the grace, or typed."""
        if not self.busy:
            self.load_callable()

    def action_recall(self) -> None:
        """Call the same customer again (F3 / r)."""
        self._held(lambda n: self.machine.recall(n), "done_recall")

    def action_no_show(self) -> None:
        """The called customer did not come (F4 / x)."""
        self._held(lambda n: self.machine.no_show(n), "done_no_show")

    def action_start(self) -> None:
        """The customer is here: service begins (F5 / s)."""
        self._held(lambda n: self.machine.start(n), "done_start")

    def action_complete(self) -> None:
        """Finish the matter, with an optional outcome note (F6 / d)."""
        ticket = self.ticket  # what the clerk sees now, not what a reload brings meanwhile
        if self._need_ticket() and ticket is not None:
            self._ask(PromptScreen(t("ask_note", self.language), required=False),
                      lambda note: self.run_step(
                          lambda: self.machine.complete(ticket.number, note), "done_complete"))

    def action_transfer(self) -> None:
        """Send the customer to another business queue (F7 / t)."""
        self._to_business("pick_transfer", self.machine.transfer, "done_transfer")

    def action_next_service(self) -> None:
        """Another service in the same visit (F8 / a)."""
        self._to_business("pick_next", self.machine.next_service, "done_next_service")

    def action_refer(self) -> None:
        """Refer to a support colleague or the pool, with a note (F9 / b)."""
        if self._need_ticket():
            self.load_support()

    def action_walk_in(self) -> None:
        """Register a customer who came straight here (F10 / w)."""
        screen = PickScreen(t("pick_walk_in", self.language), self._businesses(),
                            field=t("field_account", self.language),
                            max_length=width(T.c.account), restrict=r"[0-9A-Za-z-]*")
        self._ask(screen, lambda p: self.run_step(
            lambda: self.machine.walk_in(p.value, p.text), "done_walk_in"))

    def action_pause(self) -> None:
        """Pause the counter, or open it again (F11 / p). Asks first while a called
        customer may be walking up: the counter display would tell them 暂停服务."""
        paused = self.state is not None and self.state.counter.state == "paused"

        def pause() -> None:
            self.run_step(lambda: self.machine.set_paused(not paused),
                          "done_resume" if paused else "done_pause")

        ticket = self.ticket
        if not paused and ticket is not None and ticket.status == "called":
            if not self.busy:
                self.app.push_screen(
                    AskScreen(t("ask_pause_called", self.language, number=ticket.number)),
                    lambda yes: pause() if yes else None)
            return
        pause()

    def action_close(self) -> None:
        """Close the counter to new customers while staying signed in (open matters can
        still be closed), or open it again (c)."""
        closed = self.state is not None and self.state.counter.state == "closed"
        self.run_step(lambda: self.machine.set_state("open" if closed else "closed"),
                      "done_open" if closed else "done_close")

    def action_sign_out(self) -> None:
        """Leave the counter (F12)."""
        if not self.busy:
            self.busy = True
            self.sign_out()

    def action_remedy(self) -> None:
        """Grant a remedy on the served ticket, or ask the duty leader above the limit (g)."""
        ticket = self.ticket
        if not self._need_ticket() or ticket is None:
            return
        lang = self.language
        kinds = [(name(k, lang), k.code) for k in self.machine.config.remedies]
        key = "remedy_title_leader" if self.staff.role == "leader" else "remedy_title"
        title = t(key, lang, number=ticket.number, limit=self.staff.authority_limit)

        def grant(asked: RemedyAsked) -> None:
            self.run_step(lambda: self.machine.grant_remedy(
                ticket.number, asked.kind, asked.amount, asked.reason), "done_remedy")

        self._ask(RemedyScreen(title, kinds), grant)

    def action_open_matters(self) -> None:
        """My matters away from the counter; pick one to serve it here again, close it, or
        answer support (o)."""
        if not self.busy:
            self.load_matters()

    def action_set_aside(self) -> None:
        """The customer must bring something first: the matter waits on them (h)."""
        ticket = self.ticket
        if self._need_ticket() and ticket is not None:
            self._ask(PromptScreen(t("ask_set_aside", self.language)),
                      lambda note: self.run_step(
                          lambda: self.machine.set_aside(ticket.number, note), "done_set_aside"))

    # -- helpers of the steps ---------------------------------------------------------------

    def _ask(self, screen: PromptScreen | PickScreen | RemedyScreen,
             then: Callable[[Any], None]) -> None:
        def answered(result: Any) -> None:
            if result is not None:
                then(result)

        if not self.busy:
            self.app.push_screen(screen, answered)

    def _need_ticket(self) -> bool:
        if self.ticket is None:
            self.show_status(lambda lang: t("need_ticket", lang), error=True)
            self.reload()
        return self.ticket is not None

    def _held(self, step: Callable[[str], TicketView | None], done: str) -> None:
        ticket = self.ticket
        if self._need_ticket() and ticket is not None:
            self.run_step(lambda: step(ticket.number), done)

    def _to_business(
        self, title: str, step: Callable[[str, str, str | None], TicketView], done: str
    ) -> None:
        ticket = self.ticket
        if not self._need_ticket() or ticket is None:
            return
        # The ticket's own business is not offered: a transfer or a next service to it
        # would be refused (it is the queue the customer is in, the service just given).
        others = [b for b in self._businesses() if b[1] != ticket.business]
        screen = PickScreen(t(title, self.language), others,
                            field=t("field_note", self.language))
        self._ask(screen, lambda p: self.run_step(lambda: step(ticket.number, p.value, p.text),
                                                  done))

    def _businesses(self) -> list[tuple[str, str]]:
        return [(self._business(b.prefix), b.prefix) for b in self.machine.config.businesses]

    def _business(self, prefix: str) -> str:
        return f"{prefix} {name(self.machine.config.business(prefix), self.language)}"

    def run_step(self, step: Step, done: str) -> None:
        """Run one step in a worker, unless one is running."""
        if self.busy:
            return
        self.busy = True
        self.show_status("")
        self.do_step(step, done)

    def can_read(self) -> bool:
        """No plain read while a step runs: the step reads the desk after itself."""
        return not self.busy

    def read_watched(self) -> DeskState:
        """The desk as it stands (worker thread)."""
        return self.machine.state()

    # -- the workers ------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="desk")
    def do_step(self, step: Step, done: str) -> None:
        """The step, then the desk as it stands (worker thread)."""
        ticket = step()
        self.post_message(self.StateLoaded(self.machine.state(), done, ticket))

    @work(thread=True, exit_on_error=False, group="desk")
    def load_support(self) -> None:
        """The support colleagues to refer to (worker thread)."""
        self.post_message(self.SupportLoaded(self.machine.support_staff()))

    @work(thread=True, exit_on_error=False, group="desk")
    def load_callable(self) -> None:
        """Who may be called by number now (worker thread)."""
        waiting, missed = self.machine.callable_tickets()
        self.post_message(self.CallableLoaded(waiting, missed))

    @work(thread=True, exit_on_error=False, group="desk")
    def load_matters(self) -> None:
        """The clerk's open matters as they stand (worker thread)."""
        self.post_message(self.MattersLoaded(self.machine.open_matters(self.staff.id)))

    @work(thread=True, exit_on_error=False, group="desk")
    def sign_out(self) -> None:
        """Leave the counter (worker thread)."""
        self.machine.sign_out()
        self.post_message(self.SignedOut())

    class SupportLoaded(Message):
        """The support colleagues, to pick one of for a referral."""

        def __init__(self, staff: list[StaffView]) -> None:
            super().__init__()
            self.staff = staff
            """Everyone on the support post."""

    class CallableLoaded(Message):
        """The tickets the counter may call by number, to pick one."""

        def __init__(self, waiting: list[TicketView], missed: list[TicketView]) -> None:
            super().__init__()
            self.waiting = waiting
            """Waiting in the counter's businesses, in calling order."""
            self.missed = missed
            """Today's no-shows still within the grace, the latest first."""

    class MattersLoaded(Message):
        """The clerk's open matters, to pick one to act on."""

        def __init__(self, matters: list[MatterView]) -> None:
            super().__init__()
            self.matters = matters
            """With support, handed back, or waiting on the customer; oldest first."""

    # -- their results ----------------------------------------------------------------------

    def on_desk_screen_state_loaded(self, event: StateLoaded) -> None:
        """Show the desk as the step left it (a plain read under way is older: dropped);
        confirm the step in the status line."""
        self.busy = False
        self.supersede_reads()
        if self._show(event.state):
            done, ticket = event.done, event.ticket
            self.show_status(lambda lang: self._done_text(done, ticket, lang))

    def show_watched(self, state: DeskState) -> None:
        """Show the desk as read."""
        self._show(state)

    def _show(self, state: DeskState) -> bool:
        """Show the desk as read, and what changed since the last read as notices; False
        when this client's session ended (the desk is on its way out)."""
        if state.session_ended:
            self.session_over()
            return False
        before, self.state = self.state, state
        self.query_one(TicketCard).state = state
        self.query_one(QueuePanel).lines = state.queue
        figures = self.query_one(FiguresPanel)
        figures.figures = state.figures
        figures.pending = sum(r.status == "pending" for r in state.own_remedies)
        figures.matters = state.matters
        self._show_header()
        if before is not None:
            for item in news(before, state, self.language):
                self.app.notify(item.text, severity="warning" if item.warning else "information",
                                timeout=10, markup=False)
        return True

    def show_stale(self, error: Exception | None) -> None:
        """The status line says the desk may be out of date and why, until a read succeeds
        again."""
        status = self.query_one("#desk-status", Label)
        if error is not None:
            failed = error
            self.show_status(lambda lang: stale_line(failed, lang), error=True)
            status.add_class("-stale")
        elif status.has_class("-stale"):
            self.show_status("")

    def _done_text(self, key: str, done: TicketView | RemedyView | None, lang: str) -> str:
        if isinstance(done, RemedyView):
            return remedy_done(self.machine.config, done, lang)
        if done is None:
            return t(key, lang)
        if key == "done_recall" and done.status == "no_show":  # `auto_no_show_after_recalls`
            return t("done_auto_no_show", lang, number=done.number, n=done.recalls)
        return t(key, lang, number=done.number, business=self._business(done.business))

    def on_desk_screen_support_loaded(self, event: SupportLoaded) -> None:
        """Pick a colleague or the pool, and say what support should do."""
        lang = self.language
        options = [(t("pool", lang), "")] + [(f"{s.id} {s.name}", s.id) for s in event.staff]
        screen = PickScreen(t("pick_support", lang), options, field=t("field_request", lang))
        ticket = self.ticket
        if ticket is not None:
            self._ask(screen, lambda p: self.run_step(
                lambda: self.machine.refer(ticket.number, p.value or None, p.text),
                "done_refer"))

    def on_desk_screen_callable_loaded(self, event: CallableLoaded) -> None:
        """Pick a waiting customer or a no-show (touch or Enter), or type the number."""
        lang = self.language
        options = [(f"{v.number}  {self._business(v.business)}", v.number)
                   for v in event.waiting]
        options += [(f"{v.number}  {self._business(v.business)}  {t('missed_tag', lang)}",
                     v.number) for v in event.missed]
        screen = PickScreen(t("ask_number", lang), options, field=t("field_number", lang),
                            max_length=width(T.c.number), restrict=r"[A-Za-z0-9]*",
                            text_first=True)
        self._ask(screen, lambda p: self.run_step(
            lambda: self.machine.call_number(p.text or p.value), "done_call"))

    def on_desk_screen_matters_loaded(self, event: MattersLoaded) -> None:
        """List them, each with where it stands and what was said; then what to do with the
        one picked (one still with support waits for them)."""
        lang = self.language
        if not event.matters:
            self.show_status(lambda lang: t("matters_none", lang))
            return
        found = {m.ticket.number: m for m in event.matters}
        options = [(t("matter_line", lang, number=m.ticket.number,
                      business=self._business(m.ticket.business),
                      status=t(f"stage_{m.stage}", lang), note=support_says(m.note, lang)),
                    m.ticket.number) for m in event.matters]
        self._ask(PickScreen(t("matters_title", lang), options),
                  lambda p: self._matter_picked(found[p.value]))

    def _matter_picked(self, matter: MatterView) -> None:
        """Serve it here again (the customer is back), close it away, or hand it back to
        support with an answer."""
        lang, number = self.language, matter.ticket.number
        if matter.stage == "with_support":
            self.show_status(lambda lang: t("still_with_support", lang, number=number),
                             error=True)
            return
        # Hand it back to whoever asked; a matter set aside goes to the pool.
        to = matter.by if matter.stage in ("returned", "question") else None
        options = [(t("matter_resume", lang), "resume"), (t("matter_close", lang), "close"),
                   (t("matter_refer", lang, to=to or t("pool", lang)), "refer")]
        if matter.stage == "question":
            options.insert(0, options.pop())  # the answer first
        title = t("matter_title", lang, number=number, status=t(f"stage_{matter.stage}", lang),
                  note=support_says(matter.note, lang))
        steps: dict[str, Callable[[str], Step]] = {
            "resume": lambda _: lambda: self.machine.resume(number),
            "close": lambda text: lambda: self.machine.complete(number, text or None),
            "refer": lambda text: lambda: self.machine.refer(number, to, text or None),
        }
        done = {"resume": "done_resume_matter", "close": "done_complete", "refer": "done_refer"}
        self._ask(PickScreen(title, options, field=t("field_matter", lang)),
                  lambda p: self.run_step(steps[p.value](p.text), done[p.value]))

    def session_over(self) -> None:
        """Another sign-in here ended this client's session: say so, back to the sign-in."""
        if self.ended:
            return
        self.ended = True
        self.machine.forget_session()
        self.app.notify(t("session_ended", self.language), severity="warning", timeout=30,
                        markup=False)
        self.post_message(self.SignedOut())

    def on_work_failed(self, event: WorkFailed) -> None:
        """A refusal: its one line in the status line, and the desk read again; a session
        ended elsewhere goes back to the sign-in."""
        self.busy = False
        if isinstance(event.error, SessionEnded):
            event.stop()
            self.session_over()
            return
        if event.refusal is not None:
            event.stop()
            self.show_status(event.refusal, error=True)
            self.app.bell()
        self.reload()

    def show_status(self, message: str | Callable[[str], str], *, error: bool = False) -> None:
        """The desk's one status line: a text in the language it came in (a refusal from
        the core), or a function of the language, written again at a language switch."""
        self.status_text = message
        status = self.query_one("#desk-status", Label)
        status.update(message if isinstance(message, str) else message(self.language))
        status.set_class(error, "-error")
        status.remove_class("-stale")
