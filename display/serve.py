"""The wall display in a browser (textual-serve), for a hall TV that has only a browser.

textual-serve runs one display process per browser that connects and relays its screen over
a websocket. Its stock page loads a font from the internet; this one serves the page from
`templates/` beside this module, which loads only the package's own files (xterm.css,
textual.js, the Roboto Mono font) from this server, so a hall network without internet
access shows the same thing.
"""

from __future__ import annotations

from pathlib import Path

from textual_serve.server import Server

TEMPLATES = Path(__file__).with_name("templates")
"""The page template: textual-serve's own, without the font from the internet."""

DEFAULT_PORT = 8000


def make_server(
    command: str, *, host: str, port: int, public_url: str | None = None, title: str
) -> Server:
    """A server that starts `command` (a shell command line running `hall display`) for
    each browser; `public_url` is the address browsers use to reach it (default
    http://HOST:PORT), from which the page's own links are made."""
    return Server(command, host=host, port=port, title=title, public_url=public_url,
                  templates_path=TEMPLATES)
