"""The address of a ticket's page on the hall server, for the customer's phone.

The slip's QR code carries `<public_url>/t/<token>`. The token names the ticket and proves it
was given out by the hall: the ticket's id (base 36), a dash, and 16 url-safe characters of
an HMAC-SHA256 over the id and the business day with the hall's secret. Nobody without the
secret can make a token for a ticket, so the address of one ticket never leads to another's.
The secret is made once, at first use, and kept in the database (`hall_secrets`), never in
the config file; every process of the hall reads the same one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import weakref
from typing import cast

from sqlalchemy import Table, insert, select

from db.rules.estimate import Memo
from db.rules.queries import with_wait
from db.store.models import HallSecret, Ticket
from db.store.session import Hall, Tx
from db.store.views import TicketView

SECRET_NAME = "ticket_links"
MAC_CHARS = 16
"""96 bits of the HMAC: unguessable by trying."""
TOKEN = re.compile(r"([0-9a-z]{1,13})-([A-Za-z0-9_-]{16})")

_S = cast(Table, HallSecret.__table__)
_T = cast(Table, Ticket.__table__)
_SECRETS: weakref.WeakKeyDictionary[Hall, bytes] = weakref.WeakKeyDictionary()


def hall_secret(hall: Hall) -> bytes:
    """The hall's secret for ticket links, made and stored at first use."""
    known = _SECRETS.get(hall)
    if known is not None:
        return known
    query = select(_S.c.value).where(_S.c.name == SECRET_NAME)
    with hall.read() as tx:
        value = tx.conn.execute(query).scalar()
    if value is None:
        with hall.write() as tx:  # writers take turns: a second process finds the first's
            value = tx.conn.execute(query).scalar()
            if value is None:
                value = secrets.token_urlsafe(32)
                tx.conn.execute(insert(_S).values(name=SECRET_NAME, value=value,
                                                  created_at=tx.now))
    _SECRETS[hall] = value.encode()
    return _SECRETS[hall]


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


def _mac(key: bytes, ticket_id: int, day: dt.date) -> str:
    digest = hmac.new(key, f"ticket:{ticket_id}:{day.isoformat()}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]


def ticket_token(key: bytes, ticket_id: int, day: dt.date) -> str:
    """The token of a ticket's page, e.g. "2s-Xq3…" (id, dash, 16 characters of MAC)."""
    return f"{_base36(ticket_id)}-{_mac(key, ticket_id, day)}"


def ticket_link(hall: Hall, public_url: str, view: TicketView) -> str:
    """The address of the ticket's page that the slip's QR code carries."""
    token = ticket_token(hall_secret(hall), view.id, view.business_day)
    return f"{public_url.rstrip('/')}/t/{token}"


def ticket_by_token(tx: Tx, key: bytes, token: str, memo: Memo | None = None
                    ) -> TicketView | None:
    """The ticket a token names, with its place in the queue while it waits; None for a
    token that is not one the hall gave out (malformed, forged, or naming no ticket). `memo`:
    the estimates shared by every phone page (`estimate.Memo`)."""
    match = TOKEN.fullmatch(token)
    if match is None:
        return None
    ticket_id = int(match[1], 36)
    row = tx.conn.execute(select(_T).where(_T.c.id == ticket_id)).first()
    if row is None or _base36(ticket_id) != match[1]:  # one spelling per ticket
        _mac(key, ticket_id, tx.day)  # as long as for a ticket that exists
        return None
    if not hmac.compare_digest(match[2], _mac(key, ticket_id, row.business_day)):
        return None
    return with_wait(tx, TicketView.from_row(row), memo=memo)
