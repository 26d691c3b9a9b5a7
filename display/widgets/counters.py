"""The counters on the wall: the next numbers ("请 A008 号准备") and each counter's state
(open and whom it serves, paused, closed), one line each."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from db.config import HallConfig
from db.store.views import CounterView, HallSnapshot
from display.text import t
from display.widgets.queues import GAP, fit


def state_text(counter: CounterView, lang: str) -> str:
    """What a counter is doing, in `lang`: 请 A001 号 / 正在办理 A001 / 空闲 / 暂停 / 关闭."""
    if counter.state != "open" or counter.staff is None:
        return t("paused_short" if counter.state == "paused" else "closed_short", lang)
    if counter.ticket is None:
        return t("free", lang)
    if counter.ticket_status == "called":
        return t("called", lang, number=counter.ticket)
    return f"{t('serving', lang)} {counter.ticket}"


def next_line(next_numbers: dict[int, str], lang: str) -> str:
    """"请 A008 号准备  请 B003 号准备": the numbers the open counters would call next."""
    numbers = list(dict.fromkeys(next_numbers.values()))
    if not numbers:
        return t("next_none", lang)
    return "  ".join(t("get_ready", lang, number=n) for n in numbers)


class CounterBoard(Widget):
    """The next numbers on the first line, then a line per counter: its name, its state
    and the businesses it serves. Plain lines, like the other boards."""

    DEFAULT_CSS = """
    CounterBoard {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(self, config: HallConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self.snapshot: HallSnapshot | None = None
        self.next_numbers: dict[int, str] = {}

    def show(self, snapshot: HallSnapshot, next_numbers: dict[int, str]) -> None:
        """Show the counters as read, and the numbers they would call next (repainted only
        when they changed: a number taken at the kiosk changes neither, mostly)."""
        same = self.snapshot is not None and self.snapshot.counters == snapshot.counters \
            and self.next_numbers == next_numbers
        self.snapshot, self.next_numbers = snapshot, next_numbers
        if not same:
            self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The next numbers, a blank line, a line per counter."""
        return 2 + len(self.config.counters)

    def render(self) -> Text:
        """The lines at the current width."""
        lang = self.config.languages[0]
        width = self.content_size.width
        lines = Text(no_wrap=True, overflow="crop", end="")
        lines.append(fit(next_line(self.next_numbers, lang), width) + "\n", style="bold")
        lines.append("\n")
        counters = self.snapshot.counters if self.snapshot is not None else ()
        names = [c.name_zh if lang == "zh" else c.name_en for c in counters]
        name_w = max((cell_len(n) for n in names), default=0)
        for counter, name in zip(counters, names, strict=True):
            state = state_text(counter, lang)
            style = "bold" if counter.state == "open" and counter.staff else "dim"
            lines.append(fit(name, name_w) + " " * GAP)
            lines.append(fit(state, 16), style=style)
            lines.append(" " * GAP + "·".join(counter.profile) + "\n", style="dim")
        lines.rstrip()
        return lines
