"""The clerk's sign-in: staff id and PIN checked by the core (lockout applies), then the
counter is taken. The same clerk signing in again after a restart is allowed."""

from __future__ import annotations

from counter.machine import CounterMachine
from counter.text import t
from db.store.views import StaffView
from ui.screens.signin import SignInScreen as StaffSignIn
from ui.text import name


class SignInScreen(StaffSignIn):
    """Staff id, PIN, one error line; posts `SignedIn` when the counter is taken."""

    TEXTS = t

    def __init__(self, machine: CounterMachine) -> None:
        super().__init__(machine.config)
        self.machine = machine

    def title_text(self, lang: str) -> str:
        """The title names the counter: "1号窗口 · 工作人员登录"."""
        counter = name(self.config.counter(self.machine.counter), lang)
        return t("signin_title", lang, counter=counter)

    def authenticate(self, staff_id: str, pin: str) -> StaffView:
        """Check the PIN and take the counter (worker thread)."""
        return self.machine.sign_in(staff_id, pin)
