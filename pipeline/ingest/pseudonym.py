"""Keyed, rotating pseudonyms: HMAC-SHA256(key of the service day, 48-bit MAC) -> uint64.

One 256-bit random key per service day lives in the keystore (apart from the lake, directory 0700,
files 0600). A destroyed key leaves a tombstone so that the day can never be re-pseudonymised
under a fresh key, which would silently split every device of that day in two. The tombstone is
written (and synced) before the key is touched, so no crash can leave a day with neither; a day
that has data in the lake but neither a key nor a tombstone is an error (`lost_keys`), never a
reason to make a new key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from pipeline.lake import faults

KEY_BYTES = 32


class KeyDestroyedError(RuntimeError):
    """The day's key is gone: its events cannot be pseudonymised any more."""


class KeyLostError(RuntimeError):
    """Days with data in the lake have neither a key nor a tombstone in the keystore."""


def _key_path(keystore: Path, day: date) -> Path:
    return keystore / f"{day.isoformat()}.key"


def _tombstone(keystore: Path, day: date) -> Path:
    return keystore / f"{day.isoformat()}.destroyed"


def _ensure_keystore(keystore: Path) -> None:
    keystore.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(keystore, 0o700)


def day_key(keystore: Path, day: date) -> bytes:
    """The key of a service day, created on first use."""
    _ensure_keystore(keystore)
    path = _key_path(keystore, day)
    if _tombstone(keystore, day).exists():
        raise KeyDestroyedError(
            f"the key of service day {day} was destroyed after its aggregates were built; its "
            "events cannot be pseudonymised again. The existing aggregates are kept."
        )
    if not path.exists():
        # Written whole under a private name, then linked into place (link fails if the key is
        # there): two processes or threads starting the same day agree on one key, and none ever
        # reads a key file still being written.
        tmp = keystore / f".{day.isoformat()}.{os.getpid()}.{secrets.token_hex(8)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(KEY_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
            os.link(tmp, path)
        except FileExistsError:
            pass  # another one won: its key is the day's
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_bytes()
    if _tombstone(keystore, day).exists():  # destroyed while it was read: the bytes may be zeros
        return day_key(keystore, day)
    if len(key) == KEY_BYTES:
        return key
    raise KeyDestroyedError(f"the key file of service day {day} is damaged; restore it.")


def has_key(keystore: Path, day: date) -> bool:
    """Whether the day's key exists (a rebuild under a new key would split its devices in two)."""
    path = _key_path(keystore, day)
    return not _tombstone(keystore, day).exists() and path.is_file() and path.stat().st_size == KEY_BYTES


def destroy_key(keystore: Path, day: date) -> bool:
    """Destroy a day's key: tombstone first (synced), then overwrite the key, sync, unlink it,
    and any copy a killed key writer left; True if a key was there. Every step may be repeated:
    a kill anywhere leaves a tombstone or an intact key, never neither."""
    _ensure_keystore(keystore)
    faults.point("key.tombstone")
    close_day(keystore, day)
    path = _key_path(keystore, day)
    existed = path.exists()
    if existed:
        faults.point("key.overwrite")
        with open(path, "r+b") as handle:
            handle.write(b"\0" * KEY_BYTES)
            handle.flush()
            os.fsync(handle.fileno())
        faults.point("key.unlink")
        path.unlink()
    for stray in keystore.glob(f".{day.isoformat()}.*"):  # a key being made when a run was killed
        stray.unlink(missing_ok=True)
    _sync_folder(keystore)
    return existed


def remove_strays(keystore: Path) -> list[str]:
    """Remove the half-made keys (.<day>.<pid>.<random>) of processes that are gone."""
    from pipeline.lake import sweep

    removed = []
    for stray in keystore.glob(".*.*.*") if keystore.is_dir() else []:
        parts = stray.name.split(".")
        if len(parts) == 4 and parts[2].isdigit() and not sweep.running(int(parts[2])):
            stray.unlink(missing_ok=True)
            removed.append(stray.name)
    return removed


def close_day(keystore: Path, day: date) -> None:
    """Write a day's tombstone (synced): no key can ever be made for it again."""
    _ensure_keystore(keystore)
    fd = os.open(_tombstone(keystore, day), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    _sync_folder(keystore)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def lost_keys(keystore: Path, days: Iterable[date]) -> list[date]:
    """The days among `days` (days with data in the lake) with neither a key nor a tombstone."""
    names = {p.name for p in keystore.iterdir()} if keystore.is_dir() else set()
    return sorted(
        d
        for d in set(days)
        if f"{d.isoformat()}.key" not in names and f"{d.isoformat()}.destroyed" not in names
    )


def require_keys(keystore: Path, days: Iterable[date]) -> None:
    """Raise KeyLostError when a day with data has neither its key nor its tombstone."""
    lost = lost_keys(keystore, days)
    if lost:
        shown = ", ".join(d.isoformat() for d in lost[:5]) + (" ..." if len(lost) > 5 else "")
        raise KeyLostError(
            f"the keystore {keystore} has neither the key nor the tombstone of {len(lost)} service "
            f"day(s) with data in the lake ({shown}); a new key would split every device of those "
            "days in two. Mount or restore the keystore (FOOTFALL_KEYSTORE); if the keys are lost "
            "for good, `footfall check --repair` closes those days (their late records are then "
            "quarantined)."
        )


def pseudonym(key: bytes, mac: int) -> int:
    """The 64-bit pseudonym of one MAC, given as its 48-bit integer."""
    digest = hmac.new(key, mac.to_bytes(6, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def text_digest(key: bytes, purpose: str, text: str) -> str:
    """10 hex digits of HMAC-SHA256(key, purpose NUL text): a value that must not be kept (an
    unknown AP's name that looks like an e-mail) replaced by what still tells equal values apart.
    The purpose keeps these digests apart from the pseudonyms made with the same key."""
    message = purpose.encode() + b"\0" + text.encode("utf-8", "surrogateescape")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:10]


def hmac_pads(key: bytes) -> dict:
    """The key as HMAC-SHA256 uses it (RFC 2104: zero-padded to the 64-byte block, XOR 0x36 and
    0x5c), for the SQL macro `pseudonym(mac, ipad, opad)` that computes `pseudonym` for a whole
    column at once. Bound as query parameters: like the raw MACs, only ever in memory."""
    block = key.ljust(64, b"\0")
    return {"ipad": bytes(b ^ 0x36 for b in block), "opad": bytes(b ^ 0x5C for b in block)}
