"""The hall server in a real browser (headless Chromium, Debian's package, driven by
Playwright), at a TV's size and at a phone's: the index; the kiosk takes a number by a click;
a counter signs in and calls it (by its key on the TV, by a click on its button on the
phone); the wall display shows the call; the ticket's page on the phone shows "请到N号窗口"
from the first answer the page gets after the call; another ticket's token is refused; a
dropped websocket reconnects to where it was. At the phone's size the kiosk's and the
counter's essentials (the businesses, the hint, the call button) are on the screen whole;
every page's screenshot is kept (the `shots` fixture says where).

The apps are the real ones (`hall serve` starts each as a process; one server for the
module). A terminal's screen is read by replaying what its websocket brings into a terminal
emulator (pyte), the bytes the page's xterm.js draws; clicks land on the cells where a text is
drawn, once the screen holds still. Nothing waits a fixed time: each step waits (up to WAIT)
for what it needs, and the phone's timing is checked by order (the call is shown before the
page asks again), not by the clock of a machine that may be loaded."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from db.config import load_config
from tests.browser.conftest import CLERK_PIN, PHONE, TV, WAIT, Served, chromium

if chromium() is None or not all(importlib.util.find_spec(m) for m in ("playwright", "pyte")):
    pytest.skip("real-browser tests: no Chromium or Playwright here (.ci/run installs "
                "Debian's chromium as root; pip install -e '.[test]')", allow_module_level=True)

from db.rules import ops, queries  # noqa: E402
from db.rules.links import ticket_link  # noqa: E402
from server.tickets import POLL_SECONDS  # noqa: E402
from tests.browser.screen import Screen  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only(
    "a real browser against one `hall serve` on a SQLite file: what the server does on "
    "PostgreSQL (sessions, a dropped terminal, the URL off command lines) is "
    "test_hall_server.py's [pg] half, and a page is drawn the same whatever the database")]

SIZES = {"tv": TV, "phone": PHONE}
AT = {"tv": (1, "C01"), "phone": (3, "C03")}
"""Each size's counter and clerk (both counters serve 缴费, A): the tests share a server."""
NARROW = 60
"""The counter's desk stacks under this many columns (counter.app): a phone's page does."""
NewPage = Callable[[dict[str, int]], Any]


@pytest.fixture
def new_page(browser: Any) -> Iterator[NewPage]:
    """`new_page(size)`: a page in a context of its own (a browser of its own: its own
    session keys), every wait of Playwright's as long as WAIT; all closed after the test."""
    contexts: list[Any] = []

    def make(size: dict[str, int]) -> Any:
        context = browser.new_context(viewport=size)
        context.set_default_timeout(WAIT * 1000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def on_screen(terminal: Screen, size: dict[str, int]) -> None:
    """The terminal's whole screen is inside the window: nothing drawn out of sight."""
    box = terminal.page.locator(".xterm-screen").bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= size["width"] + 0.5, (box, size)
    assert box["y"] + box["height"] <= size["height"] + 0.5, (box, size)


def sign_in(counter: Screen, clerk: str) -> str:
    """Sign `clerk` in at the counter's page; the desk's text."""
    counter.wait_for("工作人员登录")
    counter.type(clerk)
    counter.keys("Tab")
    counter.type(CLERK_PIN)
    counter.keys("Enter")
    return counter.wait_for("按 F1 叫下一位")

def called_at(served: Served, number: str) -> dt.datetime | None:
    """When the ticket was called (aware UTC), as the database has it; None while it waits."""
    with served.hall.read() as tx:
        view = queries.ticket_info(tx, number)
    at = view.called_at
    return None if at is None else at.replace(tzinfo=dt.UTC)


@pytest.mark.parametrize("name", list(SIZES))
def test_a_number_taken_at_the_kiosk_is_called_on_every_page(
    served: Served, new_page: NewPage, shots: Path, name: str
) -> None:
    size = SIZES[name]
    number_of_counter, clerk = AT[name]
    called_text = f"请到{number_of_counter}号窗口"

    index = new_page(size)
    index.goto(served.base + "/")
    assert index.locator("a[href='/kiosk']").count() == 1
    assert index.locator("a[href='/counter/8']").count() == 1
    index.screenshot(path=shots / f"{name}-index.png")

    kiosk = Screen(new_page(size), "/kiosk")
    kiosk.open(served.base)
    names = [business.name_zh for business in load_config().businesses]
    kiosk.wait_for(lambda home: "请选择业务" in home and all(n in home for n in names))
    on_screen(kiosk, size)  # every business on the screen, whole
    assert (kiosk.size[0] < NARROW) == (name == "phone"), kiosk.size
    kiosk.page.screenshot(path=shots / f"{name}-kiosk-home.png")
    kiosk.click("缴费")
    taken = kiosk.wait_for("您的号码")
    found = re.search(r"\bA\d{3}\b", taken)
    assert found is not None and "缴费" in taken, taken
    number = found.group()
    kiosk.page.screenshot(path=shots / f"{name}-kiosk.png")

    with served.hall.read() as tx:
        view = queries.ticket_info(tx, number)
    assert view.status == "waiting"
    token = ticket_link(served.hall, "http://192.168.1.10:8000", view).rsplit("/t/", 1)[1]

    phone = new_page(size)
    phone.goto(f"{served.base}/t/{token}")
    phone.locator("#number", has_text=number).wait_for()
    assert "您前面" in phone.inner_text("#headline_zh") or \
        "下一位" in phone.inner_text("#headline_zh")
    phone.screenshot(path=shots / f"{name}-phone-waiting.png")
    # The moment the page shows the call, by the browser's clock (the machine's).
    phone.evaluate("""(called) => {
        const headline = document.getElementById("headline_zh");
        new MutationObserver(() => {
            if (headline.textContent === called && !window.hallSeen) {
                window.hallSeen = Date.now();
            }
        }).observe(headline, {childList: true, characterData: true, subtree: true});
    }""", called_text)

    other = new_page(size)  # another ticket's token: nothing
    with served.hall.write() as tx:
        second = ops.issue_ticket(tx, "B")
    other_token = ticket_link(served.hall, "http://x.lan", second).rsplit("/t/", 1)[1]
    forged = other_token.split("-")[0] + "-" + token.split("-", 1)[1]
    answer = other.goto(f"{served.base}/t/{forged}")
    assert answer is not None and answer.status == 404
    assert "没有这个页面" in other.inner_text("body")

    wall = Screen(new_page(size), "/display")
    wall.open(served.base)
    wall.wait_for(lambda text: len(text.strip()) > 0)

    counter = Screen(new_page(size), f"/counter/{number_of_counter}")
    counter.open(served.base)
    desk = sign_in(counter, clerk)
    on_screen(counter, size)
    assert (counter.size[0] < NARROW) == (name == "phone"), counter.size
    # What the clerk needs is on the screen, whole: the hint, the call button, the keys.
    for needed in ("当前没有客户 · 按 F1 叫下一位", "叫号 F1", "签退 F12", "Esc 取消"):
        assert needed in desk, (needed, desk)
    counter.page.screenshot(path=shots / f"{name}-counter-desk.png")
    if name == "phone":
        counter.click("叫号 F1")  # no keyboard on a phone: the button
    else:
        counter.keys("F1")
    counter.wait_for(f"已呼叫 {number}")
    confirmed = time.time()  # the counter shows the call: it is committed by now
    counter.page.screenshot(path=shots / f"{name}-counter.png")

    at = called_at(served, number)
    assert at is not None

    wall.wait_for(lambda text: number in text and f"{number_of_counter}号窗口" in text)
    wall.page.screenshot(path=shots / f"{name}-wall.png")

    # The page has asked twice since the call was committed (and seen it).
    asks = """(since) => performance.getEntriesByType("resource")
        .filter(e => e.name.endsWith("/state") && e.responseEnd > 0)
        .map(e => [performance.timeOrigin + e.startTime,
                   performance.timeOrigin + e.responseEnd])
        .filter(([start]) => start >= since)"""
    phone.wait_for_function(f"(since) => window.hallSeen && ({asks})(since).length >= 2",
                            arg=confirmed * 1000)
    assert phone.inner_text("#headline_zh") == called_text
    seen = phone.evaluate("() => window.hallSeen") / 1000
    # Every question the page asked, (start, answered) by the machine's clock, in order.
    polls = [(start / 1000, end / 1000) for start, end in phone.evaluate(f"({asks})(0)")]
    # It asks again POLL_SECONDS after each answer: never sooner, and mostly on time (a
    # timer of a page on a loaded machine may run late now and then)...
    gaps = [b[0] - a[1] for a, b in zip(polls, polls[1:], strict=False)]
    assert gaps and min(gaps) >= POLL_SECONDS - 0.1, gaps
    assert statistics.median(gaps) <= POLL_SECONDS + 1.0, gaps
    # ...and the answer to its first question after the commit shows the call: it is on the
    # page before the page asks again (so within a poll of the call, and the time an answer
    # takes), whatever the load.
    asked = [start for start, _ in polls if start >= confirmed]
    assert seen < asked[1], (seen - confirmed, [a - confirmed for a in asked])
    assert seen >= at.timestamp() - 0.05  # (the clocks agree: shown after the commit)
    phone.screenshot(path=shots / f"{name}-phone-called.png")


def test_a_dropped_terminal_reconnects_where_it_was(
    served: Served, new_page: NewPage, shots: Path
) -> None:
    counter = Screen(new_page(TV), "/counter/2")
    counter.open(served.base)
    sign_in(counter, "C02")
    first = counter.sockets
    counter.drop()
    counter.page.locator("body.-closed").wait_for()
    # The page asks the server, reloads, and its new websocket gets the same app back:
    # signed in, not at the sign-in form.
    counter.page.wait_for_function("() => !document.body.classList.contains('-closed')")
    counter.wait_for(lambda _: counter.sockets > first)
    text = counter.wait_for("按 F1 叫下一位")
    assert "工作人员登录" not in text and "C02" in text
    counter.page.screenshot(path=shots / "tv-counter-reconnected.png")
