"""Ticket numbers in large digits: what Textual's `Digits` can draw of them."""

from __future__ import annotations

from textual.renderables.digits import DIGITS


def number_parts(number: str) -> tuple[str, str]:
    """Split a ticket number into a leading letter `Digits` cannot draw (it knows A-F only;
    a hall may use any capital letter) and the rest, which it can: ("", "A023") or
    ("G", "023")."""
    if all(c in DIGITS for c in number):
        return "", number
    return number[0], number[1:]
