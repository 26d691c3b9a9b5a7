"""Staff records and PINs. PINs are stored only as argon2id hashes; wrong PINs in a row lock
the account for a while (the numbers come from the hall config)."""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION
from sqlalchemy import Row, Table, insert, select, update

from db.errors import AuthFailed, Refused
from db.rules.counters import COUNTER_ROLES
from db.rules.ops import C, S, log
from db.rules.text import check_fits
from db.store.halls import across_halls
from db.store.models import ROLES, PinAttempt
from db.store.session import Hall, Tx
from db.store.views import StaffView

P = cast(Table, PinAttempt.__table__)

STAFF_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended costs


def _no_ones_hash() -> str:
    """An argon2 hash at the hasher's costs that no PIN matches (its digest is all zeros),
    checked for an unknown id so that it costs what a known id costs. Written out rather
    than hashed: hashing would cost a second argon2 run, and every CLI command is a new
    process."""
    ph = _hasher()

    def b64(size: int) -> str:
        return base64.b64encode(bytes(size)).decode().rstrip("=")

    kind = f"argon2{ph.type.name.lower()}"
    costs = f"m={ph.memory_cost},t={ph.time_cost},p={ph.parallelism}"
    return f"${kind}$v={ARGON2_VERSION}${costs}${b64(ph.salt_len)}${b64(ph.hash_len)}"


PIN_MAX_LENGTH = 12
PIN_MIN_LENGTHS: Mapping[str, int] = MappingProxyType({"leader": 6})
"""The shortest PIN per role: 6 digits for duty leaders (they void, resolve complaints and
approve remedies); every other role `PIN_MIN_LENGTH`."""
PIN_MIN_LENGTH = 4


def pin_min_length(role: str, raised: Mapping[str, int] | None = None) -> int:
    """The shortest PIN `role` may have: the default (4; leaders 6), or what `raised` (the
    hall config's minimums by role, `"*"` for every role) asks, whichever is longer: the
    config can raise the minimum, never lower it."""
    least = PIN_MIN_LENGTHS.get(role, PIN_MIN_LENGTH)
    if raised:
        least = max(least, raised.get("*", 0), raised.get(role, 0))
    return min(least, PIN_MAX_LENGTH)


def check_pin_rule(pin: str, role: str, raised: Mapping[str, int] | None = None) -> None:
    """Refuse a PIN that is not `pin_min_length` to 12 digits for `role`."""
    least = pin_min_length(role, raised)
    if not (pin.isascii() and pin.isdigit() and least <= len(pin) <= PIN_MAX_LENGTH):
        if role == "leader":
            raise Refused(f"a duty leader's PIN is {least} to {PIN_MAX_LENGTH} digits",
                          zh=f"值班领导的 PIN 为 {least} 到 {PIN_MAX_LENGTH} 位数字")
        raise Refused(f"a PIN is {least} to {PIN_MAX_LENGTH} digits",
                      zh=f"PIN 为 {least} 到 {PIN_MAX_LENGTH} 位数字")


@dataclass(frozen=True)
class HashedPin:
    """A PIN checked against its role's rule and hashed beforehand (`hash_pin`), outside any
    transaction: argon2 takes half a second, never to be spent holding the write lock."""

    role: str
    """The role whose rule it was checked against."""
    pin_hash: str
    """Its argon2id hash."""
    digits: int
    """How long the PIN is: `add_staff` holds it to the hall's minimum for the role."""


def hash_pin(pin: str, role: str, raised: Mapping[str, int] | None = None) -> HashedPin:
    """Check the PIN's rule for `role` (with the hall config's `pin_min_lengths` as
    `raised`, or without: `add_staff` checks them again) and hash it: call before opening
    the write that stores it (`add_staff(tx, ..., pin=hash_pin(...))`)."""
    check_pin_rule(pin, role, raised)
    return HashedPin(role, _hasher().hash(pin), len(pin))


def add_staff(
    tx: Tx, staff_id: str, name: str, role: str, pin: str | HashedPin, *,
    authority_limit: int = 0,
) -> StaffView:
    """Create a staff member with a PIN of `pin_min_length` (4 digits, duty leaders 6, or
    more as the hall config's `[security] pin_min_length` says) to 12 digits. Ids are kept
    in capitals (`c01` becomes `C01`), the way they are printed on badges and typed at the
    kiosk."""
    staff_id = staff_id.strip().upper()
    if not STAFF_ID_RE.match(staff_id):
        raise Refused(f"staff id {staff_id!r}: letters, digits, '_' or '-', at most 20",
                      zh="工号只能由字母、数字、“_”或“-”组成，最多 20 位")
    if role not in ROLES:
        raise Refused(f"role must be one of {', '.join(ROLES)}, not {role!r}",
                      zh="岗位只能是 guide、clerk、support 或 leader")
    if not name.strip():
        raise Refused("a staff member needs a name", zh="请填写姓名")
    check_fits(name.strip(), S.c.name, "a staff member's name", "姓名")
    raised = tx.config.pin_min_lengths
    if isinstance(pin, HashedPin):
        if pin.role != role:
            raise ValueError(f"a PIN hashed for a {pin.role}, not a {role}")
        check_pin_rule("0" * pin.digits, role, raised)  # its length against this hall's rule
    else:
        check_pin_rule(pin, role, raised)
    if authority_limit < 0:
        raise Refused("the authority limit cannot be negative", zh="授权额度不能为负数")
    if tx.conn.execute(select(S.c.id).where(S.c.id == staff_id)).first() is not None:
        raise Refused(f"staff id {staff_id} already exists", zh=f"工号 {staff_id} 已存在")
    # Staff belong to one hall, but an id is the utility's (a badge number): unique across
    # the halls of the database.
    with across_halls(tx.conn, tx.hall_id):
        elsewhere = tx.conn.execute(select(S.c.id).where(S.c.id == staff_id)).first()
    if elsewhere is not None:
        raise Refused(f"staff id {staff_id} already exists in another hall",
                      zh=f"工号 {staff_id} 已在另一个营业厅使用")
    tx.conn.execute(
        insert(S).values(
            id=staff_id, name=name.strip(), role=role, authority_limit=authority_limit,
            pin_hash=pin.pin_hash if isinstance(pin, HashedPin) else _hasher().hash(pin),
            created_at=tx.now,
        )
    )
    log(tx, "staff_add", staff=staff_id, role=role)
    return StaffView(staff_id, name.strip(), role, authority_limit)


TERMINAL_FAILURES_FACTOR = 4
"""A terminal (the kiosk, a counter's client) locks after this many times `pin_max_failures`
wrong PINs in a row, whatever ids were tried: sweeping ids from one place is limited too."""

THROTTLE_CAP_SECONDS = 60
"""The longest a throttled terminal makes the next try wait."""

CHECK_TRIES = 3
"""How often a PIN is checked again when the staff record changed while it was checked."""


@dataclass(frozen=True)
class _Seen:
    """What the lockout rules read about one attempt: the staff member (None: no active one
    has this id) and the failures counted on the id (when it is no one's) and the terminal."""

    person: Row[Any] | None
    on_id: Row[Any] | None
    on_terminal: Row[Any] | None

    @property
    def pin_hash(self) -> str | None:
        return self.person.pin_hash if self.person is not None else None

    @property
    def id_locked_until(self) -> dt.datetime | None:
        if self.person is not None:
            return cast(dt.datetime | None, self.person.locked_until)
        return self.on_id.locked_until if self.on_id is not None else None

    @property
    def id_failures(self) -> int:
        if self.person is not None:
            return int(self.person.failed_pins)
        return int(self.on_id.failures) if self.on_id is not None else 0


def _id_key(staff_id: str) -> str:
    return f"id:{staff_id}"[:64]


def _terminal_key(terminal: str) -> str:
    return f"terminal:{terminal}"[:64]


def throttle_seconds(failures: int) -> int:
    """How long a throttled terminal (`authenticate(..., throttled=True)`) makes the next
    try wait after `failures` wrong PINs in a row there: none before the first, then 1, 2,
    4, 8 … seconds, at most `THROTTLE_CAP_SECONDS`."""
    if failures <= 0:
        return 0
    return int(min(THROTTLE_CAP_SECONDS, 2 ** min(failures - 1, 16)))


def _throttle_of(seen: _Seen, now: dt.datetime, terminal: str | None) -> AuthFailed | None:
    """Why a try at a throttled terminal is refused unchecked: it came before the wait its
    last wrong PIN set there ended."""
    held = seen.on_terminal
    if held is None or not held.failures or held.last_at is None:
        return None
    ends = held.last_at + dt.timedelta(seconds=throttle_seconds(held.failures))
    if ends <= now:
        return None
    seconds = math.ceil((ends - now).total_seconds())
    return AuthFailed(f"too many wrong PINs at this terminal ({terminal}); "
                      f"try again in {seconds} s",
                      zh=f"本机（{terminal}）PIN 输错过多，请 {seconds} 秒后再试")


def _shown(staff_id: str) -> str:
    """The id as a message may repeat it: one line, short."""
    return staff_id if STAFF_ID_RE.match(staff_id) else repr(staff_id[:20])


def _seen(tx: Tx, staff_id: str, terminal: str | None) -> _Seen:
    person = tx.conn.execute(select(S).where(S.c.id == staff_id, S.c.active)).first()
    keys = [_id_key(staff_id)] if person is None else []
    if terminal is not None:
        keys.append(_terminal_key(terminal))
    rows = ({r.key: r for r in tx.conn.execute(select(P).where(P.c.key.in_(keys)))}
            if keys else {})
    return _Seen(person, rows.get(_id_key(staff_id)),
                 rows.get(_terminal_key(terminal)) if terminal is not None else None)


def _lock_of(seen: _Seen, now: dt.datetime, staff_id: str,
             terminal: str | None) -> AuthFailed | None:
    """Why the attempt is refused before its PIN counts (a lock still running), if it is.
    An unknown id locks as a known one does, with the same words."""
    until = seen.id_locked_until
    if until is not None and until > now:
        minutes = (until - now).total_seconds() / 60
        shown = _shown(staff_id)
        return AuthFailed(
            f"staff {shown} is locked after repeated wrong PINs; try again in {minutes:.0f} min",
            zh=f"{shown} 因多次输错 PIN 已被锁定，请 {minutes:.0f} 分钟后再试",
        )
    held = seen.on_terminal
    if held is not None and held.locked_until is not None and held.locked_until > now:
        minutes = (held.locked_until - now).total_seconds() / 60
        return AuthFailed(
            f"this terminal ({terminal}) is locked after repeated wrong PINs; "
            f"try again in {minutes:.0f} min",
            zh=f"本机（{terminal}）因多次输错 PIN 已被锁定，请 {minutes:.0f} 分钟后再试",
        )
    return None


def authenticate(hall: Hall, staff_id: str, pin: str, *,
                 terminal: str | None = None, throttled: bool = False) -> StaffView:
    """Check a PIN; raises AuthFailed after recording a failure. `terminal` names where the
    PIN was typed (`kiosk`, `counter 3`, …) when the caller knows: wrong PINs are also
    counted per terminal.

    `throttled` is for a terminal anyone can walk up to (the kiosk's and the evaluator's
    leader unlock): its wrong PINs are not counted on the id, so that nobody there can lock
    the duty leader out everywhere; instead each one makes the next try at that terminal
    wait (`throttle_seconds`: 1, 2, 4 … 60 s; a try before then is refused unchecked), and
    they still count toward the terminal's own lock. A right PIN ends the wait. A lock the
    id already has still refuses.

    The argon2 check (half a second) runs outside any transaction, so a guessing loop never
    holds the hall's write lock while it hashes: the hash and the lockout state are read in
    a read transaction, the PIN is checked, and a short write records the outcome, reading
    the state again under the write lock. A PIN changed meanwhile (or the staff member
    added or removed) means checking again; failures are counted on the value found under
    the lock, so concurrent guesses each count and a lock set meanwhile refuses even a right
    PIN. An unknown id costs the same (one argon2 check against a hash of the same costs),
    is counted and locked the same, and is answered with the same words as a wrong PIN."""
    if hall.writing():
        raise RuntimeError("authenticate runs its own transactions: never inside a write")
    if throttled and terminal is None:
        raise ValueError("a throttled check needs the terminal it throttles")
    staff_id = staff_id.strip().upper()
    for _ in range(CHECK_TRIES):
        with hall.read() as tx:
            seen = _seen(tx, staff_id, terminal)
            locked = _lock_of(seen, tx.now, staff_id, terminal)
            early = _throttle_of(seen, tx.now, terminal) if throttled else None
        if early is not None and locked is None:
            raise early  # nothing checked, nothing counted: waiting costs no argon2 run
        if locked is not None:
            _verifies(_no_ones_hash(), pin)  # the same cost: no cheap probing of the lock
            raise locked
        right = _verifies(seen.pin_hash or _no_ones_hash(), pin) and seen.person is not None
        with hall.write() as tx:
            outcome = _record(tx, staff_id, terminal, seen.pin_hash, right, throttled)
        if isinstance(outcome, StaffView):
            return outcome
        if outcome is not None:
            raise outcome
    raise AuthFailed("the staff record changed while the PIN was checked; try again",
                     zh="核对 PIN 期间工作人员记录有变动，请重试")


def _record(tx: Tx, staff_id: str, terminal: str | None, checked_hash: str | None,
            right: bool, throttled: bool) -> StaffView | AuthFailed | None:
    """Record a checked PIN under the write lock; None when the staff record changed since
    the PIN was checked against it (check again)."""
    seen = _seen(tx, staff_id, terminal)
    if seen.pin_hash != checked_hash:
        return None
    locked = _lock_of(seen, tx.now, staff_id, terminal)
    if locked is None and throttled:
        locked = _throttle_of(seen, tx.now, terminal)  # another try here came first
    if locked is not None:
        return locked
    row = seen.person
    if right and row is not None:
        if row.failed_pins or row.locked_until:
            tx.conn.execute(update(S).where(S.c.id == staff_id)
                            .values(failed_pins=0, locked_until=None))
        if seen.on_terminal is not None and seen.on_terminal.failures:
            tx.conn.execute(update(P).where(P.c.key == seen.on_terminal.key)
                            .values(failures=0, locked_until=None, last_at=tx.now))
        return StaffView(row.id, row.name, row.role, row.authority_limit)
    if throttled and terminal is not None:
        return _record_throttled(tx, seen, staff_id, terminal)
    return _record_failure(tx, seen, staff_id, terminal)


def _record_throttled(tx: Tx, seen: _Seen, staff_id: str, terminal: str) -> AuthFailed:
    """A wrong PIN at a throttled terminal: counted on the terminal only (logged in the
    staff member's name when there is one), and the wait it sets said."""
    limit = tx.config.pin_max_failures * TERMINAL_FAILURES_FACTOR
    locks = _count(tx, _terminal_key(terminal), seen.on_terminal, limit)
    if seen.person is not None:
        log(tx, "pin_failed", staff=staff_id, terminal=terminal)
    shown = _shown(staff_id)
    if locks:
        lock = tx.config.pin_lock_minutes
        return AuthFailed(
            f"unknown staff id or wrong PIN for staff {shown}; this terminal ({terminal}) "
            f"is now locked for {lock:g} min",
            zh=f"{shown} 的 PIN 错误或工号不存在；本机（{terminal}）现已锁定 {lock:g} 分钟")
    failures = (seen.on_terminal.failures if seen.on_terminal is not None else 0) + 1
    seconds = throttle_seconds(failures)
    return AuthFailed(
        f"unknown staff id or wrong PIN for staff {shown}; try again in {seconds} s",
        zh=f"{shown} 的 PIN 错误或工号不存在；请 {seconds} 秒后再试")


def _count(tx: Tx, key: str, row: Row[Any] | None, limit: int) -> bool:
    """One more failure on a `pin_attempts` row; whether it now locks."""
    failures = (row.failures if row is not None else 0) + 1
    locks = failures >= limit
    values = {"failures": 0 if locks else failures, "last_at": tx.now,
              "locked_until": (tx.now + dt.timedelta(minutes=tx.config.pin_lock_minutes)
                               if locks else None)}
    if row is None:
        tx.conn.execute(insert(P).values(key=key, **values))
    else:
        tx.conn.execute(update(P).where(P.c.key == key).values(**values))
    return locks


def _record_failure(tx: Tx, seen: _Seen, staff_id: str, terminal: str | None) -> AuthFailed:
    limit = tx.config.pin_max_failures
    failures = seen.id_failures + 1
    if terminal is not None:
        _count(tx, _terminal_key(terminal), seen.on_terminal, limit * TERMINAL_FAILURES_FACTOR)
    locks = failures >= limit
    if seen.person is not None:
        until = tx.now + dt.timedelta(minutes=tx.config.pin_lock_minutes) if locks else None
        tx.conn.execute(update(S).where(S.c.id == staff_id)
                        .values(failed_pins=0 if locks else failures, locked_until=until))
        kind = "pin_locked" if locks else "pin_failed"
        if terminal is not None:
            log(tx, kind, staff=staff_id, terminal=terminal)
        else:
            log(tx, kind, staff=staff_id)
    else:  # no staff row (and no event: its staff column names a staff member)
        _count(tx, _id_key(staff_id), seen.on_id, limit)
    shown = _shown(staff_id)
    if locks:
        lock = tx.config.pin_lock_minutes
        return AuthFailed(
            f"unknown staff id or wrong PIN for staff {shown}; {shown} is now locked "
            f"for {lock:g} min",
            zh=f"{shown} 的 PIN 错误或工号不存在；{shown} 现已锁定 {lock:g} 分钟")
    left = limit - failures
    return AuthFailed(
        f"unknown staff id or wrong PIN for staff {shown} ({left} tries left before a lock)",
        zh=f"{shown} 的 PIN 错误或工号不存在（再错 {left} 次将被锁定）")


def _verifies(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def list_staff(tx: Tx) -> list[StaffView]:
    """Every active staff member, by id."""
    rows = tx.conn.execute(select(S).where(S.c.active).order_by(S.c.id))
    return [StaffView(r.id, r.name, r.role, r.authority_limit) for r in rows]


# -- changing and removing staff (a duty leader's step: the caller checked their PIN) ----------


def _approver(tx: Tx, by: str) -> Row[Any]:
    """The duty leader who approves a change to the staff (their PIN already checked)."""
    leader = tx.conn.execute(select(S).where(S.c.id == by.strip().upper(), S.c.active)).first()
    if leader is None or leader.role != "leader":
        raise AuthFailed(f"only a duty leader changes the staff; {_shown(by)} is not one",
                         zh=f"只有值班领导可以变更工作人员；{_shown(by)} 不是值班领导")
    return leader


def _member(tx: Tx, staff_id: str) -> Row[Any]:
    staff_id = staff_id.strip().upper()
    row = tx.conn.execute(select(S).where(S.c.id == staff_id, S.c.active)).first()
    if row is None:
        raise Refused(f"unknown staff id {_shown(staff_id)}", zh=f"没有工号 {_shown(staff_id)}")
    return row


def _other_leaders(tx: Tx, staff_id: str) -> int:
    return len(tx.conn.execute(
        select(S.c.id).where(S.c.role == "leader", S.c.active, S.c.id != staff_id)).all())


def staff_role(tx: Tx, staff_id: str) -> str:
    """An active staff member's role (unknown: refused)."""
    return str(_member(tx, staff_id).role)


def _counter_of(tx: Tx, staff_id: str) -> int | None:
    return cast(int | None, tx.conn.execute(
        select(C.c.number).where(C.c.staff_id == staff_id)).scalar())


def change_staff(
    tx: Tx, staff_id: str, *, by: str, name: str | None = None, role: str | None = None,
    authority_limit: int | None = None, pin: HashedPin | None = None,
) -> StaffView:
    """A duty leader (`by`, PIN checked by the caller) changes a staff member's name, role,
    authority limit or PIN (`pin`: hashed beforehand for the role they will have; a reset
    also ends a lock). The hall keeps at least one duty leader; whoever is signed in at a
    counter keeps a role that may take one; a promotion to duty leader comes with a new PIN
    long enough for a leader."""
    leader = _approver(tx, by)
    row = _member(tx, staff_id)
    values: dict[str, Any] = {}
    if name is not None:
        tidy = " ".join(name.split())
        if not tidy:
            raise Refused("a staff member needs a name", zh="请填写姓名")
        check_fits(tidy, S.c.name, "a staff member's name", "姓名")
        values["name"] = tidy
    new_role = role if role is not None else row.role
    if new_role not in ROLES:
        raise Refused(f"role must be one of {', '.join(ROLES)}, not {new_role!r}",
                      zh="岗位只能是 guide、clerk、support 或 leader")
    if new_role != row.role:
        _check_role_change(tx, row, new_role, pin)
        values["role"] = new_role
    if authority_limit is not None:
        if authority_limit < 0:
            raise Refused("the authority limit cannot be negative", zh="授权额度不能为负数")
        values["authority_limit"] = authority_limit
    if pin is not None:
        if pin.role != new_role:
            raise ValueError(f"a PIN hashed for a {pin.role}, not a {new_role}")
        check_pin_rule("0" * pin.digits, new_role, tx.config.pin_min_lengths)
        values.update(pin_hash=pin.pin_hash, failed_pins=0, locked_until=None)
    if not values:
        raise Refused("nothing to change: give --name, --role, --authority-limit or "
                      "--reset-pin", zh="没有要变更的内容：请给出 --name、--role、"
                                        "--authority-limit 或 --reset-pin")
    tx.conn.execute(update(S).where(S.c.id == row.id, S.c.active).values(**values))
    changed = sorted("pin" if key == "pin_hash" else key for key in values
                     if key not in ("failed_pins", "locked_until"))
    log(tx, "staff_change", staff=row.id, by=leader.id, changed=changed, role=new_role)
    return StaffView(row.id, values.get("name", row.name), new_role,
                     values.get("authority_limit", row.authority_limit))


def _check_role_change(tx: Tx, row: Row[Any], role: str, pin: HashedPin | None) -> None:
    if row.role == "leader" and not _other_leaders(tx, row.id):
        raise Refused(f"{row.id} is the hall's only duty leader: make another one first",
                      zh=f"{row.id} 是本厅唯一的值班领导：请先另设一位值班领导")
    counter = _counter_of(tx, row.id)
    if counter is not None and role not in COUNTER_ROLES:
        raise Refused(f"{row.id} is signed in at counter {counter}: sign out before becoming "
                      f"a {role}", zh=f"{row.id} 正在 {counter} 号窗口签到：请先签退再变更岗位")
    if role == "leader" and pin is None:
        least = pin_min_length("leader", tx.config.pin_min_lengths)
        raise Refused(f"a new duty leader gets a new PIN of at least {least} digits: "
                      "add --reset-pin",
                      zh=f"升任值班领导须重设至少 {least} 位的 PIN：请加 --reset-pin")


def remove_staff(tx: Tx, staff_id: str, *, by: str) -> StaffView:
    """A duty leader (`by`, PIN checked by the caller) removes a staff member: the row is
    kept, inactive (the log and the tickets name it), so the id can no longer sign in or be
    given anything. Not the hall's last duty leader, nor someone signed in at a counter."""
    leader = _approver(tx, by)
    row = _member(tx, staff_id)
    if row.role == "leader" and not _other_leaders(tx, row.id):
        raise Refused(f"{row.id} is the hall's only duty leader: make another one first",
                      zh=f"{row.id} 是本厅唯一的值班领导：请先另设一位值班领导")
    counter = _counter_of(tx, row.id)
    if counter is not None:
        raise Refused(f"{row.id} is signed in at counter {counter}: sign out first",
                      zh=f"{row.id} 正在 {counter} 号窗口签到：请先签退")
    tx.conn.execute(update(S).where(S.c.id == row.id, S.c.active).values(active=False))
    log(tx, "staff_remove", staff=row.id, by=leader.id)
    return StaffView(row.id, row.name, row.role, row.authority_limit)
