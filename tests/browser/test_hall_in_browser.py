"""The hall server in a real browser (headless Chromium, Debian's package, driven by
Playwright): the index; the kiosk takes a number by a click; a counter signs in and calls
it; the wall display shows the call; the ticket's page on the phone shows "请到1号窗口"
within a poll (2 s) of the call; another ticket's token is refused; a dropped websocket
reconnects to where it was. The index, the wall display and the ticket's page at a TV's size
and at a phone's (the kiosk and the counter at their own screens' size); every page's
screenshot is kept (the `shots` fixture says where).

The apps are the real ones (`hall serve` starts each as a process). A terminal's screen is
read by replaying what its websocket brings into a terminal emulator (pyte), the bytes the
page's xterm.js draws; clicks land on the cells where a text is drawn."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CLERK, CLERK_PIN, PHONE, TV, Served, chromium

if chromium() is None or not all(importlib.util.find_spec(m) for m in ("playwright", "pyte")):
    pytest.skip("real-browser tests: no Chromium or Playwright here (.ci/run installs "
                "Debian's chromium as root; pip install -e '.[test]')", allow_module_level=True)

from db.rules import ops, queries  # noqa: E402
from db.rules.links import ticket_link  # noqa: E402
from server.tickets import POLL_SECONDS  # noqa: E402
from tests.browser.screen import WAIT, Screen  # noqa: E402

pytestmark = pytest.mark.slow

CALLED = "请到1号窗口"


def new_page(browser: Any, size: dict[str, int]) -> Any:
    return browser.new_context(viewport=size).new_page()


def sign_in(counter: Screen) -> None:
    counter.wait_for("工作人员登录")
    counter.type(CLERK)
    counter.keys("Tab")
    counter.type(CLERK_PIN)
    counter.keys("Enter")
    counter.wait_for("按 F1 叫下一位")


def called_at(served: Served, number: str) -> dt.datetime | None:
    """When the ticket was called (aware UTC), as the database has it; None while it waits."""
    with served.hall.read() as tx:
        view = queries.ticket_info(tx, number)
    at = view.called_at
    return None if at is None else at.replace(tzinfo=dt.UTC)


@pytest.mark.parametrize("size", [TV, PHONE], ids=["tv", "phone"])
def test_a_number_taken_at_the_kiosk_is_called_on_every_page(
    served: Served, browser: Any, shots: Path, size: dict[str, int]
) -> None:
    name = "tv" if size == TV else "phone"

    index = new_page(browser, size)
    index.goto(served.base + "/")
    assert index.locator("a[href='/kiosk']").count() == 1
    assert index.locator("a[href='/counter/8']").count() == 1
    index.screenshot(path=shots / f"{name}-index.png")

    kiosk = Screen(new_page(browser, TV), "/kiosk")  # the kiosk is a screen, not a phone
    kiosk.open(served.base)
    kiosk.wait_for("请选择业务")
    kiosk.click("缴费")
    kiosk.wait_for("您的号码")
    number = "A001"
    assert number in kiosk.text()
    kiosk.page.screenshot(path=shots / f"{name}-kiosk.png")

    with served.hall.read() as tx:
        view = queries.ticket_info(tx, number)
    assert view.status == "waiting"
    token = ticket_link(served.hall, "http://192.168.1.10:8000", view).rsplit("/t/", 1)[1]

    phone = new_page(browser, size)
    phone.goto(f"{served.base}/t/{token}")
    phone.locator("#number", has_text=number).wait_for(timeout=WAIT * 1000)
    assert "您前面" in phone.inner_text("#headline_zh") or \
        "下一位" in phone.inner_text("#headline_zh")
    phone.screenshot(path=shots / f"{name}-phone-waiting.png")
    # The moment the page sees the call, by the browser's clock (the machine's, as the
    # database's), and how long its polls take to answer.
    phone.evaluate("""(called) => {
        const headline = document.getElementById("headline_zh");
        new MutationObserver(() => {
            if (headline.textContent === called && !window.hallSeen) {
                window.hallSeen = Date.now();
            }
        }).observe(headline, {childList: true, characterData: true, subtree: true});
    }""", CALLED)

    other = new_page(browser, size)  # another ticket's token: nothing
    with served.hall.write() as tx:
        second = ops.issue_ticket(tx, "B")
    other_token = ticket_link(served.hall, "http://x.lan", second).rsplit("/t/", 1)[1]
    forged = other_token.split("-")[0] + "-" + token.split("-", 1)[1]
    answer = other.goto(f"{served.base}/t/{forged}")
    assert answer is not None and answer.status == 404
    assert "没有这个页面" in other.inner_text("body")

    wall = Screen(new_page(browser, size), "/display")
    wall.open(served.base)
    wall.wait_for(lambda text: len(text.strip()) > 0)

    counter = Screen(new_page(browser, TV), "/counter/1")  # a clerk's PC
    counter.open(served.base)
    sign_in(counter)
    counter.keys("F1")
    counter.wait_for(number)
    counter.page.screenshot(path=shots / f"{name}-counter.png")

    at = called_at(served, number)
    assert at is not None

    wall.wait_for(lambda text: number in text and "1号窗口" in text)
    wall.page.screenshot(path=shots / f"{name}-wall.png")

    phone.wait_for_function("() => window.hallSeen", timeout=WAIT * 1000)
    assert phone.inner_text("#headline_zh") == CALLED
    seen = phone.evaluate("() => window.hallSeen") / 1000
    # Every question the page asked, (start, answered) by the machine's clock, in order.
    polls = [(start / 1000, end / 1000) for start, end in phone.evaluate("""() =>
        performance.getEntriesByType("resource").filter(e => e.name.endsWith("/state"))
            .map(e => [performance.timeOrigin + e.startTime,
                       performance.timeOrigin + e.responseEnd])""")]
    commit = at.timestamp()
    # It asks again POLL_SECONDS after each answer (a second more allowed for a timer late
    # on a loaded machine)...
    gaps = [b[0] - a[1] for a, b in zip(polls, polls[1:], strict=False)]
    assert gaps and min(gaps) >= POLL_SECONDS - 0.1 and max(gaps) <= POLL_SECONDS + 1.0, gaps
    # ...and the first answer to a question asked after the commit shows the call: the page
    # shows it within a poll of it (2 s, and the time an answer takes on this machine).
    after = next((end for start, end in polls if start >= commit), None)
    if after is not None:  # (else the question before the commit got the answer after it)
        assert seen <= after + 0.5, (seen - commit, after - commit)
    phone.screenshot(path=shots / f"{name}-phone-called.png")


def test_a_dropped_terminal_reconnects_where_it_was(
    served: Served, browser: Any, shots: Path
) -> None:
    counter = Screen(new_page(browser, TV), "/counter/2")
    counter.open(served.base)
    sign_in(counter)
    first = counter.sockets
    counter.drop()
    counter.page.locator("body.-closed").wait_for(timeout=WAIT * 1000)
    # The page asks the server, reloads, and its new websocket gets the same app back:
    # signed in, not at the sign-in form.
    counter.page.wait_for_function(
        "() => !document.body.classList.contains('-closed')", timeout=WAIT * 1000)
    counter.wait_for(lambda _: counter.sockets > first)
    text = counter.wait_for("按 F1 叫下一位")
    assert "工作人员登录" not in text and CLERK in text
    counter.page.screenshot(path=shots / "tv-counter-reconnected.png")
