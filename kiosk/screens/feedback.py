"""The supervision box (监督箱): written feedback for the duty leader, anonymous or with a
ticket number."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, TextArea

from db.rules.text import FEEDBACK_MAX, width
from db.store.sql import T
from kiosk.machine import KioskMachine
from kiosk.screens.base import KioskModal
from kiosk.text import t
from ui.screens.base import WorkFailed
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

    def compose(self) -> ComposeResult:
        """The form, and the thanks shown in its place once sent."""
        with Vertical(id="feedback-box", classes="dialog"):
            yield Label(id="fb-title", classes="title")
            with Vertical(id="fb-form"):
                yield Label(id="fb-body-label")
                yield BoundedTextArea(id="fb-body", soft_wrap=True, show_line_numbers=False,
                                      max_length=FEEDBACK_MAX)
                yield Label(id="fb-number-label")
                yield Input(id="fb-number", max_length=width(T.c.number),
                            restrict=r"[A-Za-z0-9]*")
                yield Label(id="fb-error", classes="error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("", id="fb-cancel")
                    yield Button("", id="fb-send", variant="success")
            yield Label(id="fb-thanks", classes="thanks")

    def on_mount(self) -> None:
        """Start with the form."""
        self.query_one("#fb-thanks").display = False
        self.query_one("#fb-error").display = False
        self.query_one("#fb-body", TextArea).focus()

    def relabel(self, lang: str) -> None:
        """Every label in `lang`."""
        for key, widget_id in (("fb_title", "#fb-title"), ("fb_body", "#fb-body-label"),
                               ("fb_number", "#fb-number-label"), ("fb_thanks", "#fb-thanks")):
            self.query_one(widget_id, Label).update(t(key, lang))
        self.query_one("#fb-cancel", Button).label = t("cancel", lang)
        self.query_one("#fb-send", Button).label = t("fb_send", lang)

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
        self.store(body, self.query_one("#fb-number", Input).value.strip())

    @work(thread=True, exit_on_error=False, group="feedback")
    def store(self, body: str, number: str) -> None:
        """Write it to the database (worker thread)."""
        self.machine.leave_feedback(body, number or None)
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
