"""The demo's lobby: the living hall's board on the terminal, what happens as it happens,
and the hall's apps a key away.

A key suspends the lobby and runs the app (`python -m hall kiosk`, …) on the demo database
in the same terminal, as `hall kiosk` would: the lobby comes back when the app is left.
The apps are started by name as processes of their own; nothing of them is imported here.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, RichLog, Static

from db.config import HallConfig
from db.rules import queries
from db.store.session import Hall
from hall.living import Living
from hall.output import status_board

LEAVE_LOCKED = "F12 → L01 + PIN 123456"
"""How the kiosk, the evaluator and the displays are left: the duty leader unlocks them."""


def apps(config: HallConfig) -> dict[str, tuple[list[str], str, str]]:
    """Key name → (the `hall` command line, what it is, how to leave it)."""
    mine = str(config.counters[0].number)
    return {
        "kiosk": (["kiosk"], "取号机 kiosk", LEAVE_LOCKED),
        "counter": (["counter", "--counter", mine], f"你的窗口 counter {mine} (C01, PIN 123456)",
                    "Ctrl+Q"),
        "evaluator": (["evaluator", "--counter", mine], f"评价器 evaluator {mine}",
                      LEAVE_LOCKED),
        "wall": (["display", "--wall"], "叫号屏 wall display (语音 voice where it can)",
                 LEAVE_LOCKED),
        "leader": (["leader"], "值班领导 leader console (L01, PIN 123456)", "Ctrl+Q"),
        "support": (["support"], "服务岗 support desk", "Ctrl+Q"),
    }


class Lobby(App[None]):
    """The living hall's board and log, the apps a key away; q quits the demo."""

    TITLE = "演示营业厅 demo hall"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    #intro { height: auto; padding: 0 1; background: $boost; }
    #board { height: 1fr; padding: 0 1; }
    #log { height: 5; border-top: solid $primary; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "open('kiosk')", "取号机 kiosk"),
        Binding("c", "open('counter')", "窗口 counter"),
        Binding("w", "open('wall')", "叫号屏 wall"),
        Binding("e", "open('evaluator')", "评价器"),
        Binding("l", "open('leader')", "领导"),
        Binding("s", "open('support')", "服务岗", show=False),
        Binding("q", "quit", "退出 quit", priority=True),
        Binding("ctrl+c", "quit", "退出 quit", show=False, priority=True),
    ]

    def __init__(self, config: HallConfig, hall: Hall, living: Living, *, url: str,
                 intro: list[str]) -> None:
        super().__init__()
        self.config = config
        self.hall = hall
        self.living = living
        self.intro = intro
        self.env = dict(os.environ, HALL_DB=url)  # never on a command line
        if config.source and os.path.isfile(config.source):
            self.env["HALL_CONFIG"] = config.source
        self.lines: queue.Queue[str] = queue.Queue()
        self.told_broken = False

    def compose(self) -> ComposeResult:
        yield Static(Text("\n".join(self.intro)), id="intro")
        with VerticalScroll(id="board"):
            yield Static(id="status")
        yield RichLog(id="log", max_lines=500, wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        # The simulation has its own thread: it only queues its lines, never waits for us.
        self.living.say = self.lines.put
        self.show()
        self.set_interval(0.5, self.show)

    def show(self) -> None:
        """The board as it is now, and what was said since the last look."""
        log = self.query_one("#log", RichLog)
        while not self.lines.empty():
            log.write(self.lines.get_nowait())
        with self.hall.read() as tx:
            snap = queries.snapshot(tx)
        self.query_one("#status", Static).update(status_board(self.config, snap))
        self.sub_title = (f"×{self.living.speed:g} · 取号 {self.living.issued} · "
                          f"叫号 {self.living.called}")
        if self.living.broke is not None and not self.told_broken:
            self.told_broken = True
            self.notify(f"模拟已停止 the simulation stopped: {self.living.broke}",
                        severity="error", timeout=30)

    def action_open(self, name: str) -> None:
        """Run the app in this terminal until it is left, the lobby suspended meanwhile."""
        argv, label, leave = apps(self.config)[name]
        command = [sys.executable, "-m", "hall", *argv]
        try:
            with self.suspend():
                print(f"{label} — 离开 leave: {leave}", flush=True)
                subprocess.run(command, env=self.env, check=False)
        except SuspendNotSupported:
            self.notify(f"{label}: this terminal cannot hand the screen over; run "
                        f"`hall {' '.join(argv)}` in another one (HALL_DB as below)",
                        severity="warning")
        self.show()

    def on_unmount(self) -> None:
        self.living.say = lambda line: None
