"""The supervision box (监督箱): feedback for the duty leader, anonymous or with a ticket
number. Usable by touch alone: a kind (表扬 / 批评 / 建议 / 投诉) and optionally the counter
concerned are chosen with buttons; the text field and the number stay for those with a
keyboard, and are optional once a kind is chosen."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, TextArea

from db.rules.reception import FEEDBACK_KINDS
from db.rules.text import FEEDBACK_MAX, width
from db.store.sql import T
from kiosk.machine import KioskMachine
from kiosk.screens.base import KioskModal
from kiosk.text import t
from ui.screens.base import WorkFailed
from ui.text import name
from ui.widgets.bounded import BoundedTextArea


class FeedbackBox(KioskModal[None]):
    """Write, send, read the thanks; closes by itself after the thanks."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    class FeedbackLeft(Message):
        """The note is stored."""

    def __init__(self, machine: KioskMachine) -> None:
        super().__init__()
        self.machine = machine
        self.sending = False
        self.kind: str | None = None
        """The kind touched, if any."""
        self.counter: int | None = None
        """The counter touched, if any (touching it again takes it back)."""

    def compose(self) -> ComposeResult:
        """The form, and the thanks shown in its place once sent: the touch choices first,
        then the typed parts (scrolled into view on a short screen), the buttons always
        in sight."""
        with Vertical(id="feedback-box", classes="dialog"):
            yield Label(id="fb-title", classes="title")
            with Vertical(id="fb-form"):
                with VerticalScroll(id="fb-choices"):
                    yield Label(id="fb-kind-label")
                    with Horizontal(id="fb-kinds"):
                        for code in FEEDBACK_KINDS:
                            yield Button("", id=f"fb-kind-{code}", classes="fb-kind")
                    yield Label(id="fb-counter-label")
                    with Grid(id="fb-counters"):
                        for spec in self.machine.config.counters:
                            yield Button("", id=f"fb-counter-{spec.number}",
                                         classes="fb-counter")
                    yield Label(id="fb-body-label")
                    yield BoundedTextArea(id="fb-body", soft_wrap=True,
                                          show_line_numbers=False, max_length=FEEDBACK_MAX)
                    yield Label(id="fb-number-label")
                    yield Input(id="fb-number", max_length=width(T.c.number),
                                restrict=r"[A-Za-z0-9]*")
                yield Label(id="fb-chosen")
                yield Label(id="fb-error", classes="error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("", id="fb-cancel")
                    yield Button("", id="fb-send", variant="success")
            yield Label(id="fb-thanks", classes="thanks")

    def on_mount(self) -> None:
        """Start with the form; the keyboard in the text (a finger needs no focus)."""
        self.query_one("#fb-thanks").display = False
        self.query_one("#fb-error").display = False
        # Not scrolled to: the kinds above it stay in sight for those who touch.
        self.query_one("#fb-body", TextArea).focus(scroll_visible=False)

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        for key, widget_id in (("fb_title", "#fb-title"), ("fb_kind", "#fb-kind-label"),
                               ("fb_counter", "#fb-counter-label"),
                               ("fb_body", "#fb-body-label"),
                               ("fb_number", "#fb-number-label"), ("fb_thanks", "#fb-thanks")):
            self.query_one(widget_id, Label).update(t(key, lang))
        for code, names in FEEDBACK_KINDS.items():
            label = names[1] if lang == "en" else names[0]
            self.query_one(f"#fb-kind-{code}", Button).label = label
        for spec in self.machine.config.counters:
            self.query_one(f"#fb-counter-{spec.number}", Button).label = t(
                "fb_counter_n", lang, n=spec.number)
        self.query_one("#fb-cancel", Button).label = t("cancel", lang)
        self.query_one("#fb-send", Button).label = t("fb_send", lang)
        self._show_chosen()

    # -- choosing by touch -----------------------------------------------------------------

    @on(Button.Pressed, ".fb-kind")
    def choose_kind(self, event: Button.Pressed) -> None:
        """A kind was touched: it is the one (touching it again takes it back)."""
        code = (event.button.id or "").removeprefix("fb-kind-")
        self.kind = None if self.kind == code else code
        self._show_chosen()

    @on(Button.Pressed, ".fb-counter")
    def choose_counter(self, event: Button.Pressed) -> None:
        """A counter was touched: the note is about it (touching it again takes it back)."""
        number = int((event.button.id or "").removeprefix("fb-counter-"))
        self.counter = None if self.counter == number else number
        self._show_chosen()

    def _show_chosen(self) -> None:
        """Mark the chosen buttons and say in words what was chosen."""
        lang = self.language
        for code in FEEDBACK_KINDS:
            button = self.query_one(f"#fb-kind-{code}", Button)
            button.variant = "primary" if code == self.kind else "default"
        for spec in self.machine.config.counters:
            button = self.query_one(f"#fb-counter-{spec.number}", Button)
            button.variant = "primary" if spec.number == self.counter else "default"
        parts = []
        if self.kind is not None:
            names = FEEDBACK_KINDS[self.kind]
            parts.append(names[1] if lang == "en" else names[0])
        if self.counter is not None:
            parts.append(name(self.machine.config.counter(self.counter), lang))
        chosen = self.query_one("#fb-chosen", Label)
        chosen.update(t("fb_chosen", lang, what=" · ".join(parts)) if parts else "")
        chosen.display = bool(parts)

    @on(Button.Pressed, "#fb-cancel")
    def cancel(self) -> None:
        """Leave without sending."""
        self.action_cancel()

    @on(Input.Submitted)  # Enter in the number field sends
    @on(Button.Pressed, "#fb-send")
    def send(self) -> None:
        """Store the note (once, however often Send is touched)."""
        if self.sending:
            return
        self.sending = True
        body = self.query_one("#fb-body", TextArea).text[: FEEDBACK_MAX * 2]
        self.store(body, self.query_one("#fb-number", Input).value.strip(), self.kind,
                   self.counter)

    @work(thread=True, exit_on_error=False, group="feedback")
    def store(self, body: str, number: str, kind: str | None, counter: int | None) -> None:
        """Write it to the database (worker thread)."""
        self.machine.leave_feedback(body, number or None, kind=kind, counter=counter)
        self.post_message(self.FeedbackLeft())

    def on_feedback_box_feedback_left(self) -> None:
        """Thank the customer, then go back by itself."""
        self.query_one("#fb-form").display = False
        self.query_one("#fb-thanks").display = True
        self.set_timer(self.machine.config.kiosk.confirm_seconds, self.close)

    def on_work_failed(self, event: WorkFailed) -> None:
        """A refusal (empty note, unknown number) is shown in the form, not as a toast."""
        self.sending = False
        if event.refusal is not None:
            event.stop()
            error = self.query_one("#fb-error", Label)
            error.update(event.refusal)
            error.display = True

    def on_mouse_down(self) -> None:
        """After the thanks, a touch goes back at once."""
        if self.query_one("#fb-thanks").display:
            self.close()

    def action_cancel(self) -> None:
        """Leave without sending."""
        self.close()
