"""Appointments (预约): the day's bookings from the utility's online channels, and their
check-in at the kiosk (预约签到).

A booking names a code (digits, unique within its day), the customer's name, phone and
account, a business type and a slot of local time ("09:00-09:30"). The hall gets the day's
list (`import_bookings`, one transaction for the whole list) or a booking at a time
(`add_booking`). At the kiosk the customer gives the code, or the phone's last four digits
and the account: inside the slot's window ([appointments] `early_minutes` before its start
to `late_minutes` after its end) `check_in` gives a number of the booked business with the
appointment priority, once (a guarded UPDATE: two kiosks racing give one number); outside
it, a refusal that says when the window opens or that it has closed, and the customer takes
a normal number. A booking whose window closed without a check-in is missed: `sweep_missed`
marks it (a `appointment_missed` event), and the report counts it as missed even before.

Every change is an event of the chained log: the list imported (`appointment_import`), a
booking added (`appointment_add`), missed ones marked (`appointment_missed`); the check-in is
the ticket's `issue` event, its detail naming the appointment's code. The report reads the
appointments table itself, never the stored day figures, so what it counts is always what
the table holds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from db.config import HallConfig
from db.errors import HallError, NotFound, Refused
from db.rules import ops
from db.rules.text import check_fits
from db.store.models import Appointment
from db.store.session import Tx
from db.store.views import AppointmentView, TicketView

A = cast(Table, Appointment.__table__)

CODE_RE = re.compile(r"\d{4,12}")
"""An appointment code: 4-12 digits, as the kiosk's on-screen keypad types them."""
SLOT_RE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*[-~～至到]\s*(\d{1,2}):(\d{2})\s*")
"""A slot of local time, "09:00-09:30" (also "9:00~9:30", "09:00至09:30")."""
PHONE_RE = re.compile(r"\+?[\d -]{4,}")
"""A phone number: digits, spaces and dashes, a leading +; at least four digits matter."""
LAST4_RE = re.compile(r"\d{4}")

CSV_COLUMNS = ("code", "name", "phone", "account", "business", "slot")
"""The columns of an imported list, in this order, with or without a header line."""

STATE_ZH = {"booked": "已预约", "checked_in": "已签到", "missed": "未到"}


class OutsideWindow(Refused):
    """The booking is real but it is not its time: too early, or its window has closed (the
    customer can take a normal number, of `business`)."""

    def __init__(self, message: str, *, zh: str | None = None, business: str | None = None
                 ) -> None:
        super().__init__(message, zh=zh)
        self.business = business
        """The booked business: the normal number the kiosk offers instead."""


@dataclass(frozen=True)
class Booking:
    """One booking as given (a row of the list, or `hall appoint add`): text, not checked."""

    code: str
    name: str
    phone: str
    account: str
    business: str
    slot: str


@dataclass(frozen=True)
class Checked:
    """A booking's values, checked, ready to store."""

    code: str
    name: str
    phone: str
    account: str | None
    business: str
    slot_start: dt.datetime
    slot_end: dt.datetime


@dataclass
class ImportResult:
    """What an import did: bookings added and updated, and the lines skipped with why."""

    added: int = 0
    updated: int = 0
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    """(line number, why in English, why in Chinese) for each line left out."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"added": self.added, "updated": self.updated,
                "skipped": [{"line": n, "problem": why} for n, why, _ in self.skipped]}


@dataclass(frozen=True)
class CheckIn:
    """A checked-in appointment and the number it was given."""

    appointment: AppointmentView
    ticket: TicketView
    on_time: bool
    """Checked in before the slot's end (not within the late minutes after it)."""


# -- checking a booking -------------------------------------------------------------------


def parse_slot(text: str) -> tuple[dt.time, dt.time]:
    """"09:00-09:30" as two local times; Refused when it is not a slot."""
    match = SLOT_RE.fullmatch(text)
    bad = Refused(f"slot {text.strip()!r} is not a time slot like 09:00-09:30",
                  zh=f"时段“{text.strip()}”不是形如 09:00-09:30 的时段")
    if match is None:
        raise bad
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise bad
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    if end <= start:
        raise Refused(f"slot {text.strip()!r} ends before it starts",
                      zh=f"时段“{text.strip()}”的结束时间不晚于开始时间")
    return start, end


def _utc(config: HallConfig, day: dt.date, at: dt.time) -> dt.datetime:
    """A local time of the business day `day` as the naive UTC instant the database keeps
    (a time before the day's start, 04:00 by default, is after midnight, the next date)."""
    date = day + dt.timedelta(days=1) if at < config.day_start else day
    local = dt.datetime.combine(date, at, tzinfo=config.tz)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def check_booking(config: HallConfig, day: dt.date, booking: Booking) -> Checked:
    """The booking's values checked (Refused/NotFound naming the first problem)."""
    code = booking.code.strip()
    if not CODE_RE.fullmatch(code):
        raise Refused(f"code {code!r}: 4-12 digits", zh=f"预约码“{code}”应为 4-12 位数字")
    name = booking.name.strip()
    if not name:
        raise Refused("the name is empty", zh="姓名为空")
    check_fits(name, A.c.name, "a name", "姓名")
    phone = booking.phone.strip()
    if not PHONE_RE.fullmatch(phone) or len(_digits(phone)) < 4:
        raise Refused(f"phone {phone!r}: digits (at least four)",
                      zh=f"电话“{phone}”应为数字（至少四位）")
    check_fits(phone, A.c.phone, "a phone number", "电话")
    account = ops._check_account(booking.account.strip())
    kind = _business(config, booking.business)
    start, end = parse_slot(booking.slot)
    slot_start, slot_end = _utc(config, day, start), _utc(config, day, end)
    if slot_end <= slot_start:  # "03:30-04:30" would straddle the day's start
        raise Refused(f"slot {booking.slot.strip()!r} crosses the business day's start",
                      zh=f"时段“{booking.slot.strip()}”跨越营业日的开始时间")
    return Checked(code, name, phone, account, kind, slot_start, slot_end)


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def _business(config: HallConfig, given: str) -> str:
    """A business by its prefix or its Chinese or English name."""
    text = given.strip()
    for kind in config.businesses:
        if text.upper() == kind.prefix or text in (kind.name_zh, kind.name_en):
            return kind.prefix
    return config.business(text).prefix  # NotFound, listing the known ones


# -- storing bookings ---------------------------------------------------------------------


def _check_day(tx: Tx, day: dt.date) -> None:
    if day < tx.day:
        raise Refused(f"{day} has passed: bookings are for today or a later day",
                      zh=f"{day} 已过去：只能登记今天或以后的预约")


def _store(tx: Tx, day: dt.date, c: Checked, source: str, *, replace: bool) -> str:
    """Insert the booking, or (`replace`) update a booked one of the same code: "added" or
    "updated". A code already checked in or missed is refused, as is a taken code without
    `replace`."""
    values = {"name": c.name, "phone": c.phone, "account": c.account, "business": c.business,
              "slot_start": c.slot_start, "slot_end": c.slot_end, "imported_at": tx.now,
              "source": source[:80]}
    old = tx.conn.execute(select(A.c.id, A.c.state).where(A.c.day == day, A.c.code == c.code)
                          ).first()
    if old is None:
        tx.conn.execute(insert(A).values(day=day, code=c.code, state="booked", **values))
        return "added"
    if old.state != "booked":
        raise Refused(f"code {c.code} is already {old.state.replace('_', ' ')}: not changed",
                      zh=f"预约码 {c.code} 已{STATE_ZH[old.state]}，不能更改")
    if not replace:
        raise Refused(f"code {c.code} is already booked on {day} (an import updates it)",
                      zh=f"{day} 已有预约码 {c.code}（重新导入名单可更新）")
    tx.conn.execute(update(A).where(A.c.id == old.id, A.c.state == "booked").values(**values))
    return "updated"


def add_booking(tx: Tx, day: dt.date, booking: Booking, *, source: str = "add"
                ) -> AppointmentView:
    """One booking added by hand (`hall appoint add`); a code taken that day is refused."""
    _check_day(tx, day)
    checked = check_booking(tx.config, day, booking)
    _store(tx, day, checked, source, replace=False)
    ops.log(tx, "appointment_add", code=checked.code, day=day.isoformat(),
            business=checked.business)
    return _view(tx, _row(tx, day, checked.code))


def import_bookings(tx: Tx, day: dt.date, rows: Iterable[tuple[int, Booking | HallError]],
                    *, source: str) -> ImportResult:
    """The day's list, in the caller's one transaction: each good row added, or updating the
    booked appointment of its code; each bad row (or one whose code is already checked in or
    missed, or repeats a code of an earlier line, or a line the reader could not make a
    booking of: given as its error) skipped with its line number and why."""
    _check_day(tx, day)
    result = ImportResult()
    seen: dict[str, int] = {}
    for line, booking in rows:
        try:
            if isinstance(booking, HallError):
                raise booking
            checked = check_booking(tx.config, day, booking)
            if checked.code in seen:
                raise Refused(f"code {checked.code} repeats line {seen[checked.code]}",
                              zh=f"预约码 {checked.code} 与第 {seen[checked.code]} 行重复")
            done = _store(tx, day, checked, source, replace=True)
        except HallError as problem:
            result.skipped.append((line, str(problem), problem.text("zh")))
            continue
        seen[checked.code] = line
        if done == "added":
            result.added += 1
        else:
            result.updated += 1
    ops.log(tx, "appointment_import", day=day.isoformat(), source=source[:80],
            added=result.added, updated=result.updated, skipped=len(result.skipped))
    return result


# -- reading ------------------------------------------------------------------------------


def _row(tx: Tx, day: dt.date, code: str) -> Any:
    row = tx.conn.execute(select(A).where(A.c.day == day, A.c.code == code)).first()
    if row is None:
        raise NotFound(f"no appointment {code} on {day}", zh=f"{day} 没有预约码 {code}")
    return row


def _view(tx: Tx, row: Any) -> AppointmentView:
    number = None
    if row.ticket_id is not None:
        number = tx.conn.execute(select(ops.T.c.number).where(ops.T.c.id == row.ticket_id)
                                 ).scalar_one()
    return AppointmentView(
        id=row.id, day=row.day, code=row.code, name=row.name, phone=row.phone,
        account=row.account, business=row.business, slot_start=row.slot_start,
        slot_end=row.slot_end, state=_state(tx, row), ticket=number,
        checked_in_at=row.checked_in_at, source=row.source)


def _state(tx: Tx, row: Any) -> str:
    """The state as it stands now: a booked one whose window closed is missed already."""
    if row.state == "booked" and _now(tx) > window(tx.config, row)[1]:
        return "missed"
    return str(row.state)


def _now(tx: Tx) -> dt.datetime:
    return tx.now  # naive UTC, as the database keeps times


def window(config: HallConfig, row: Any) -> tuple[dt.datetime, dt.datetime]:
    """When the booking may be checked in: (opens, closes), naive UTC."""
    rules = config.appointments
    return (row.slot_start - dt.timedelta(minutes=rules.early_minutes),
            row.slot_end + dt.timedelta(minutes=rules.late_minutes))


def day_appointments(tx: Tx, day: dt.date | None = None) -> list[AppointmentView]:
    """The day's appointments (today's by default) by slot, then code."""
    rows = tx.conn.execute(select(A).where(A.c.day == (day or tx.day))
                           .order_by(A.c.slot_start, A.c.code)).all()
    return [_view(tx, row) for row in rows]


def sweep_missed(tx: Tx) -> int:
    """Mark every booked appointment whose window has closed as missed (one
    `appointment_missed` event naming their codes); how many."""
    rules = tx.config.appointments
    cutoff = _now(tx) - dt.timedelta(minutes=rules.late_minutes)
    rows = tx.conn.execute(select(A.c.id, A.c.code, A.c.day).where(
        A.c.state == "booked", A.c.slot_end < cutoff).order_by(A.c.id)).all()
    if not rows:
        return 0
    tx.conn.execute(update(A).where(A.c.id.in_([r.id for r in rows]), A.c.state == "booked")
                    .values(state="missed"))
    ops.log(tx, "appointment_missed", codes=[f"{r.day.isoformat()}:{r.code}" for r in rows])
    return len(rows)


# -- checking in --------------------------------------------------------------------------


def find(tx: Tx, *, code: str | None = None, phone_last4: str | None = None,
         account: str | None = None) -> Any:
    """Today's booking by its code, or by the phone's last four digits and the account."""
    if code is not None:
        code = code.strip()
        if not CODE_RE.fullmatch(code):
            raise NotFound(f"{code!r} is not an appointment code (4-12 digits)",
                           zh="预约码应为 4-12 位数字")
        row = tx.conn.execute(select(A).where(A.c.day == tx.day, A.c.code == code)).first()
        if row is None:
            raise NotFound(f"no appointment with code {code} today",
                           zh=f"今天没有预约码为 {code} 的预约，请核对")
        return row
    last4, account = (phone_last4 or "").strip(), (account or "").strip()
    if not LAST4_RE.fullmatch(last4) or not account:
        raise NotFound("give the code, or the phone's last four digits and the account",
                       zh="请输入预约码，或手机号后四位和户号")
    rows = [r for r in tx.conn.execute(
        select(A).where(A.c.day == tx.day, A.c.account == account)
        .order_by(A.c.slot_start, A.c.id)) if _digits(r.phone).endswith(last4)]
    if not rows:
        raise NotFound(f"no appointment today for account {account} and phone …{last4}",
                       zh="今天没有与该户号和手机号后四位相符的预约，请核对")
    booked = [r for r in rows if r.state == "booked"]
    now = _now(tx)
    inside = [r for r in booked if window(tx.config, r)[0] <= now <= window(tx.config, r)[1]]
    return (inside or booked or rows)[0]


def check_in(tx: Tx, *, code: str | None = None, phone_last4: str | None = None,
             account: str | None = None) -> CheckIn:
    """Check today's booking in and give its number (appointment priority), once: inside
    the window only; OutsideWindow says when it opens, or that it closed."""
    row = find(tx, code=code, phone_last4=phone_last4, account=account)
    config, now = tx.config, _now(tx)
    if row.state == "checked_in":
        view = _view(tx, row)
        raise Refused(f"appointment {row.code} was already checked in: number {view.ticket}",
                      zh=f"该预约已签到，号码 {view.ticket}")
    opens, closes = window(config, row)
    if row.state == "missed" or now > closes:
        raise OutsideWindow(
            f"the check-in for the {_slot_text(config, row)} appointment closed at "
            f"{_local(config, closes)}: please take a normal number",
            zh=f"您预约的 {_slot_text(config, row)} 时段签到已于 {_local(config, closes)} "
               "截止，请取普通号", business=row.business)
    if now < opens:
        raise OutsideWindow(
            f"too early for the {_slot_text(config, row)} appointment: check-in opens at "
            f"{_local(config, opens)}; or take a normal number now",
            zh=f"您预约的是 {_slot_text(config, row)}，{_local(config, opens)} 起可签到；"
               "也可现在取普通号", business=row.business)
    claimed = tx.conn.execute(
        update(A).where(A.c.id == row.id, A.c.state == "booked")
        .values(state="checked_in", checked_in_at=now)).rowcount
    if claimed != 1:  # another kiosk checked it in first
        raise Refused(f"appointment {row.code} was already checked in",
                      zh="该预约已签到")
    priority = config.appointment_priority.code
    ticket = ops.issue_ticket(tx, row.business, priority=priority, account=row.account,
                              appointment=row.code)
    tx.conn.execute(update(A).where(A.c.id == row.id).values(ticket_id=ticket.id))
    fresh = tx.conn.execute(select(A).where(A.c.id == row.id)).one()
    return CheckIn(_view(tx, fresh), ticket, now <= row.slot_end)


def _local(config: HallConfig, at: dt.datetime) -> str:
    return at.replace(tzinfo=dt.UTC).astimezone(config.tz).strftime("%H:%M")


def _slot_text(config: HallConfig, row: Any) -> str:
    return f"{_local(config, row.slot_start)}-{_local(config, row.slot_end)}"


# -- figures ------------------------------------------------------------------------------


@dataclass
class AppointmentCounts:
    """Appointments of one business type over a period."""

    booked: int = 0
    checked_in: int = 0
    on_time: int = 0
    """Checked in before the slot's end."""
    missed: int = 0
    """Not checked in when their window closed."""


def counts(tx: Tx, date_from: dt.date, date_to: dt.date) -> dict[str, AppointmentCounts]:
    """Per business prefix: booked, checked in, on time and missed, read from the table (a
    booked one whose window has closed counts as missed before `sweep_missed` marks it)."""
    found: dict[str, AppointmentCounts] = {}
    rows = tx.conn.execute(select(A.c.business, A.c.state, A.c.slot_start, A.c.slot_end,
                                  A.c.checked_in_at)
                           .where(A.c.day.between(date_from, date_to)))
    for row in rows:
        c = found.setdefault(row.business, AppointmentCounts())
        c.booked += 1
        state = _state(tx, row)
        if state == "checked_in":
            c.checked_in += 1
            c.on_time += row.checked_in_at is not None and row.checked_in_at <= row.slot_end
        elif state == "missed":
            c.missed += 1
    return found


