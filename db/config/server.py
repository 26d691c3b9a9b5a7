"""The hall server's part of the hall configuration ([server]): the address customers' phones
reach it at, and how many browser sessions it runs.

`hall serve` runs every terminal (kiosk, counters, evaluators, displays, support, leader) for
browsers on the hall's network, each browser session a process of its own (about 130 MB), so
the sessions are capped per terminal and in all. The section is optional; an absent one
takes the defaults below (and no public address: the slip's QR code then carries the ticket's
number only). Re-exported by `db.config`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from db.config.schema import InvalidSetting, Rule, check

Sessions = Annotated[int, Rule(ge=1, le=100)]
"""How many browser sessions a terminal may have at once: 1-100."""


@dataclass(frozen=True)
class ServerConfig:
    """The hall server (`hall serve`)."""

    public_url: Annotated[str | None, Rule(blank=False)] = None
    """The server's address on the hall's Wi-Fi, e.g. "http://192.168.1.10:8000": the QR code
    on a slip carries `<public_url>/t/<token>`, the ticket's page. Never a loopback address
    (a phone would look on itself); absent, the QR code keeps the plain number."""
    max_sessions: Annotated[int, Rule(ge=1, le=400)] = 40
    """Browser sessions in all (each is a process of about 130 MB)."""
    kiosk_sessions: Sessions = 2
    """Sessions of the kiosk page (/kiosk)."""
    counter_sessions: Sessions = 2
    """Sessions of each counter's page (/counter/N): its clerk's, and one spare so that a
    reload is not refused while the old session closes (the core keeps one live session per
    counter whatever the browsers)."""
    evaluator_sessions: Sessions = 2
    """Sessions of each evaluator's page (/evaluator/N)."""
    display_sessions: Sessions = 4
    """Sessions of each display: the wall (/display) and each counter's (/display/N)."""
    support_sessions: Sessions = 4
    """Sessions of the support desk's page (/support)."""
    leader_sessions: Sessions = 2
    """Sessions of the duty leader's page (/leader)."""
    reconnect_seconds: Annotated[float, Rule(gt=0, le=3600)] = 60.0
    """A terminal whose connection drops keeps its process this long, so that it comes back
    where it was when the browser reconnects; 0 < x <= 3600."""
    allow: tuple[str, ...] = ()
    """The staff's networks, e.g. ("192.168.1.0/24",): only browsers there (and the server
    machine itself) open the index and the terminals; empty: every device that reaches the
    port. `hall serve --allow` adds to them."""
    phone_allow: tuple[str, ...] = ()
    """The customers' phones' networks (the hall's Wi-Fi), e.g. ("10.8.0.0/16",): browsers
    there open the ticket pages (/t/…) and nothing else. Needs `allow` (else every network
    would reach the terminals anyway). Empty: the ticket pages are for whoever may open
    the terminals."""
    phone_port: Annotated[int | None, Rule(ge=1, le=65535)] = None
    """A port of its own serving the ticket pages only (every other address is 404 there),
    on the address `hall serve` listens on: the Wi-Fi can be given this port alone. None:
    the ticket pages are on the server's one port."""

    def __post_init__(self) -> None:
        check(self)
        for key in ("allow", "phone_allow"):
            for network in getattr(self, key):
                try:
                    ipaddress.ip_network(network.strip(), strict=False)
                except ValueError:
                    raise InvalidSetting(key, f'"{network}" is not a network such as '
                                              '"192.168.1.0/24"') from None
        if self.phone_allow and not self.allow:
            raise InvalidSetting("phone_allow", "needs allow, the staff's networks: without "
                                 "it every network reaches the terminals, the phones' too")
        if self.public_url is not None:
            problem = public_url_problem(self.public_url)
            if problem is not None:
                raise InvalidSetting("public_url", problem)


def public_url_problem(url: str) -> str | None:
    """Why `url` cannot be the address phones reach the server at, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"not an address: {exc}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f'must be an address such as "http://192.168.1.10:8000", got "{url}"'
    if parts.query or parts.fragment or port == 0:
        return f'must be a plain address such as "http://192.168.1.10:8000", got "{url}"'
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is each phone itself: give the server's address on the hall's Wi-Fi"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a host name the hall's network resolves
    if address.is_loopback or address.is_unspecified:
        return f"{host} is not reachable from a phone: give the server's address on the Wi-Fi"
    return None
