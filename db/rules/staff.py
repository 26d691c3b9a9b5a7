"""Staff records and PINs. PINs are stored only as argon2id hashes; wrong PINs in a row lock
the account for a while (the numbers come from the hall config)."""

from __future__ import annotations

import base64
import datetime as dt
import re
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION
from sqlalchemy import insert, select, update

from db.errors import AuthFailed, Refused
from db.rules.ops import S, log
from db.store.models import ROLES
from db.store.session import Hall, Tx
from db.store.views import StaffView

PIN_RE = re.compile(r"^\d{4,12}$")
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


def add_staff(
    tx: Tx, staff_id: str, name: str, role: str, pin: str, *, authority_limit: int = 0
) -> StaffView:
    """Create a staff member with a PIN of 4 to 12 digits. Ids are kept in capitals (`c01`
    becomes `C01`), the way they are printed on badges and typed at the kiosk."""
    staff_id = staff_id.strip().upper()
    if not STAFF_ID_RE.match(staff_id):
        raise Refused(f"staff id {staff_id!r}: letters, digits, '_' or '-', at most 20",
                      zh="工号只能由字母、数字、“_”或“-”组成，最多 20 位")
    if role not in ROLES:
        raise Refused(f"role must be one of {', '.join(ROLES)}, not {role!r}",
                      zh="岗位只能是 guide、clerk、support 或 leader")
    if not name.strip():
        raise Refused("a staff member needs a name", zh="请填写姓名")
    if not PIN_RE.match(pin):
        raise Refused("a PIN is 4 to 12 digits", zh="PIN 为 4 到 12 位数字")
    if authority_limit < 0:
        raise Refused("the authority limit cannot be negative", zh="授权额度不能为负数")
    if tx.conn.execute(select(S.c.id).where(S.c.id == staff_id)).first() is not None:
        raise Refused(f"staff id {staff_id} already exists", zh=f"工号 {staff_id} 已存在")
    tx.conn.execute(
        insert(S).values(
            id=staff_id, name=name.strip(), role=role, authority_limit=authority_limit,
            pin_hash=_hasher().hash(pin), created_at=tx.now,
        )
    )
    log(tx, "staff_add", staff=staff_id, role=role)
    return StaffView(staff_id, name.strip(), role, authority_limit)


def check_pin(tx: Tx, staff_id: str, pin: str) -> StaffView | AuthFailed:
    """Check a PIN and record the outcome; returns the staff member, or why not (the caller
    commits the record, then refuses: the failure count must survive the refusal)."""
    row = tx.conn.execute(select(S).where(S.c.id == staff_id, S.c.active)).first()
    if row is None:
        # The answer tells an unknown id from a wrong PIN on purpose (ids are printed on
        # the badges; the tries left help the clerk), the time does not: every attempt
        # costs one argon2 check, so sweeping ids is no cheaper than guessing PINs.
        _verifies(_no_ones_hash(), pin)
        return AuthFailed("unknown staff id or wrong PIN", zh="工号或 PIN 错误")
    if row.locked_until is not None and row.locked_until > tx.now:
        minutes = (row.locked_until - tx.now).total_seconds() / 60
        return AuthFailed(
            f"staff {staff_id} is locked after repeated wrong PINs; "
            f"try again in {minutes:.0f} min",
            zh=f"{staff_id} 因多次输错 PIN 已被锁定，请 {minutes:.0f} 分钟后再试",
        )
    if _verifies(row.pin_hash, pin):
        if row.failed_pins or row.locked_until:
            tx.conn.execute(update(S).where(S.c.id == staff_id)
                            .values(failed_pins=0, locked_until=None))
        return StaffView(row.id, row.name, row.role, row.authority_limit)
    return _record_failure(tx, staff_id, row.failed_pins + 1)


def _verifies(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def _record_failure(tx: Tx, staff_id: str, failures: int) -> AuthFailed:
    limit = tx.config.pin_max_failures
    if failures >= limit:
        until = tx.now + dt.timedelta(minutes=tx.config.pin_lock_minutes)
        tx.conn.execute(update(S).where(S.c.id == staff_id)
                        .values(failed_pins=0, locked_until=until))
        log(tx, "pin_locked", staff=staff_id)
        lock = tx.config.pin_lock_minutes
        return AuthFailed(f"wrong PIN; staff {staff_id} is now locked for {lock:g} min",
                          zh=f"PIN 错误；{staff_id} 现已锁定 {lock:g} 分钟")
    tx.conn.execute(update(S).where(S.c.id == staff_id).values(failed_pins=failures))
    log(tx, "pin_failed", staff=staff_id)
    left = limit - failures
    return AuthFailed(f"wrong PIN for staff {staff_id} ({left} tries left before a lock)",
                      zh=f"{staff_id} 的 PIN 错误（再错 {left} 次将被锁定）")


def authenticate(hall: Hall, staff_id: str, pin: str) -> StaffView:
    """Check a PIN in its own transaction; raises AuthFailed after recording a failure."""
    with hall.write() as tx:
        outcome = check_pin(tx, staff_id, pin)
    if isinstance(outcome, AuthFailed):
        raise outcome
    return outcome


def list_staff(tx: Tx) -> list[StaffView]:
    """Every active staff member, by id."""
    rows = tx.conn.execute(select(S).where(S.c.active).order_by(S.c.id))
    return [StaffView(r.id, r.name, r.role, r.authority_limit) for r in rows]
