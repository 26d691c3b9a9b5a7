"""The evaluator (评价器): a customer-facing screen beside counter N.

Idle, it shows the counter and who serves there. A short timer asks the change watcher
(one pragma) whether another process committed; only then a worker reads what the core
says the evaluator should offer (`ui.watched`; "reconnecting" while the database is away).
When the counter completes a service, the customer is asked to rate it; no answer in time
records "not rated". Like the kiosk it is locked down: nothing a customer presses quits it;
the duty leader's id and PIN (F12) do.
"""

from __future__ import annotations

from textual import events, work
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message import Message
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from counter.evaluator.machine import EvaluatorMachine
from counter.evaluator.screens.idle import IdleScreen
from counter.evaluator.screens.rating import RatingScreen
from counter.evaluator.screens.reason import ReasonScreen
from counter.evaluator.screens.thanks import ThanksScreen
from counter.evaluator.screens.unlock import LeaderUnlock
from counter.evaluator.text import t
from db.config import HallConfig
from db.errors import HallError
from db.rules.evaluation import EvaluatorView
from db.store.session import Hall
from db.store.views import TicketView
from db.store.watch import ChangeWatcher
from ui.app import LockedApp
from ui.watched import Watched

CHECK_SECONDS = 0.25
"""How often the watcher is asked: the question appears within this of the completion."""

RETRY_SECONDS = 1.0
"""After a failed check or read, how long before the next attempt."""


class EvaluatorApp(Watched[EvaluatorView], LockedApp):
    """The idle screen; the question, the reasons and the thanks above it."""

    CSS_PATH = "evaluator.tcss"
    TITLE = "评价器"
    TEXTS = t
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-wide")]
    """A tablet on its side: the answers two by two."""
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    """A large screen: the answers grow with its height."""
    BINDINGS = [
        Binding("l", "switch_language", show=False),
        Binding("f2", "switch_language", show=False),
    ]

    class Answered(Message):
        """The core took the rating (or the "not rated") of a ticket."""

        def __init__(self, ticket: TicketView, score: int | None) -> None:
            super().__init__()
            self.ticket = ticket
            """The ticket, as the core returned it."""
            self.score = score
            """The score given; None for "not rated"."""

    def __init__(self, machine: EvaluatorMachine, watcher: ChangeWatcher) -> None:
        super().__init__(machine.config)
        self.machine = machine
        self.watcher = watcher
        self.idle = IdleScreen(machine.config, machine.counter)
        self.offered: EvaluatorView | None = None
        """The service on offer (its question or reasons on screen), if any."""
        self.finished: set[int] = set()
        """Tickets this evaluator is done with: never offered again."""
        self.deadline: Timer | None = None

    @property
    def timeout(self) -> float:
        """Seconds a customer has to answer."""
        return self.machine.config.evaluator.timeout_seconds

    def on_mount(self) -> None:
        """The idle screen, and the watch on the database."""
        self.language = self.machine.config.languages[0]
        self.push_screen(self.idle)
        self.start_watching(self.watcher, every=CHECK_SECONDS, retry=RETRY_SECONDS)

    def on_unmount(self) -> None:
        """Let go of the watcher's connection."""
        self.watcher.close()

    def unlock_screen(self) -> LeaderUnlock:
        """The duty leader's id and PIN close the evaluator."""
        return LeaderUnlock(self.machine)

    # -- language ---------------------------------------------------------------------------

    def watch_language(self, lang: str) -> None:
        """Relabel every open screen in the new language."""
        for screen in self.screen_stack:
            relabel = getattr(screen, "relabel", None)
            try:
                if relabel is not None:
                    relabel(lang)
            except NoMatches:
                pass  # not composed yet: it labels itself when it mounts

    async def on_event(self, event: events.Event) -> None:
        """A customer touching the question gets the full time again."""
        if isinstance(event, events.Key | events.MouseDown) and self.deadline is not None:
            self.start_deadline()
        await super().on_event(event)

    # -- watching the counter ---------------------------------------------------------------

    def read_watched(self) -> EvaluatorView:
        """Read the counter and the service to offer (worker thread; touches no widget)."""
        return self.machine.view(holding=self.offered is not None)

    def show_stale(self, error: Exception | None) -> None:
        """The idle screen says "reconnecting" while the database is away."""
        self.idle.reconnecting = error is not None

    def show_watched(self, view: EvaluatorView) -> None:
        """Show who serves; offer a newly completed service, or withdraw a stale question."""
        self.idle.view = view
        pending = view.pending
        offered = self.offered.pending if self.offered else None
        if offered is not None and (pending is None or pending.id != offered.id):
            self.withdraw()
            if pending is not None:  # the clerk completed the next service first
                self.report(offered, None, "next_customer")
        if pending is not None and pending.id not in self.finished and self.offered is None:
            self.offer(view)

    # -- the question -----------------------------------------------------------------------

    def offer(self, view: EvaluatorView) -> None:
        """Ask the customer to rate the service just completed."""
        self.offered = view
        self.push_screen(RatingScreen(view, self.timeout), self.scored)
        self.start_deadline()

    def start_deadline(self) -> None:
        """Count the customer's time from now."""
        if self.deadline is not None:
            self.deadline.stop()
        self.deadline = self.set_timer(self.timeout, self.time_up)
        if isinstance(self.screen, RatingScreen):
            self.screen.restart(self.timeout)

    def scored(self, score: int | None) -> None:
        """The customer's answer; a dissatisfied one is asked why."""
        if score is None or self.offered is None:
            return
        if score == 1:
            self.push_screen(ReasonScreen(), self.reasoned)
            self.start_deadline()
        else:
            self.answer(score, None)

    def reasoned(self, code: str | None) -> None:
        """The reason picked ("" when skipped)."""
        if code is not None and self.offered is not None:
            self.answer(1, code or None)

    def time_up(self) -> None:
        """Nobody answered: a dissatisfied rating without a reason, or "not rated"."""
        offered = self.offered.pending if self.offered else None
        if offered is None:
            return
        if isinstance(self.screen, ReasonScreen):
            self.answer(1, None)
            return
        self.withdraw()
        self.report(offered, None, "timeout")
        self.language = self.machine.config.languages[0]

    def answer(self, score: int, reason: str | None) -> None:
        """Hand the rating to the core; thanks follow when it is taken."""
        ticket = self.offered.pending if self.offered else None
        self.withdraw()
        if ticket is not None:
            self.report(ticket, score, reason)

    def withdraw(self) -> None:
        """Take the question (and the reasons) off the screen; nothing is recorded here."""
        if self.offered is not None and self.offered.pending is not None:
            self.finished.add(self.offered.pending.id)
        self.offered = None
        if self.deadline is not None:
            self.deadline.stop()
            self.deadline = None
        # Only from the top: under the leader's unlock a stale question stays until the
        # unlock closes, and its answer is then ignored (nothing is on offer).
        if isinstance(self.screen, RatingScreen | ReasonScreen):
            self.screen.dismiss(None)

    @work(thread=True, exit_on_error=False, group="answer")
    def report(self, ticket: TicketView, score: int | None, detail: str | None) -> None:
        """The rating (`score`, `detail` its reason), or "not rated" (`detail` why)."""
        if score is None:
            self.post_message(self.Answered(self.machine.not_rated(ticket, detail or "timeout"),
                                            None))
        else:
            self.post_message(self.Answered(self.machine.rate(ticket, score, detail), score))

    def on_evaluator_app_answered(self, event: Answered) -> None:
        """A rating taken: thanks, then idle in the hall's first language."""
        if event.score is not None:
            self.push_screen(ThanksScreen(self.machine.config.evaluator.thanks_seconds,
                                          dissatisfied=event.score == 1), self._thanked)

    def _thanked(self, _: None) -> None:
        self.language = self.machine.config.languages[0]

    # -- failures ---------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A refused answer: one line; a fault: the system fault."""
        error = event.worker.error
        if event.state is not WorkerState.ERROR or error is None:
            return
        if isinstance(error, HallError):
            self.notify(error.text(self.language), severity="warning", timeout=5)
        else:
            self.log.error(f"worker failed: {error!r}")
            self.notify(t("system_fault", self.language), severity="error", timeout=8)


def make_app(
    config: HallConfig, hall: Hall, *, counter: int, watcher: ChangeWatcher | None = None
) -> EvaluatorApp:
    """The evaluator beside counter `counter` of `hall` (NotFound if the config has no such
    counter); the watcher is the cheapest the database allows unless one is given."""
    config.counter(counter)
    machine = EvaluatorMachine(hall, config, counter)
    return EvaluatorApp(machine, watcher or ChangeWatcher.for_hall(hall))
