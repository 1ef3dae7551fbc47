"""The opt-out: devices whose owners asked not to be counted, dropped at ingestion.

The denylist holds no MAC: only the first 8 bytes of HMAC-SHA256 under an opt-out key that lives in
the keystore (optout.key, 0600), long-lived and apart from the daily keys (retention never touches
it). Ingestion computes the same hash for every new MAC of a day and gives no pseudonym to a listed
one, so its records are never staged, quarantined or counted as devices: the file's catalog row
counts them (files.opted_out), nothing more. The hashes are kept twice: in the catalog, and in
keystore/optout.list beside the key, which outlives a lost or rebuilt catalog. A denylist without
its key stops ingestion (OptOutKeyError): counting the listed devices again would break the
promise silently.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pyarrow as pa

from pipeline.ingest import pseudonym
from pipeline.lake import catalog
from pipeline.config import Settings

KEY_NAME = "optout.key"
LIST_NAME = "optout.list"  # the denylist's keyed hashes, one hex per line, append-only
_SEPARATORS = re.compile(r"[\s:.\-]")


class OptOutKeyError(RuntimeError):
    """The denylist exists but its key does not: ingestion cannot honour it."""


def parse_mac(text: str) -> int:
    """A MAC address in any usual spelling (aa:bb:.., AA-BB-.., aabb.ccdd.eeff, bare) as 48 bits."""
    digits = _SEPARATORS.sub("", text.strip()).lower()
    if not re.fullmatch(r"[0-9a-f]{12}", digits):
        raise ValueError(
            "not a MAC address: expected 12 hex digits (aa:bb:cc:dd:ee:ff or a "
            "usual variant); the value is not repeated here"
        )
    return int(digits, 16)


def _key_path(settings: Settings) -> Path:
    return settings.keystore / KEY_NAME


def _key(settings: Settings, create: bool) -> bytes | None:
    path = _key_path(settings)
    if create and not path.exists():
        settings.keystore.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made by another process meanwhile
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(pseudonym.KEY_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
    return path.read_bytes() if path.exists() else None


def _list_path(settings: Settings) -> Path:
    return settings.keystore / LIST_NAME


def _listed(settings: Settings) -> set[int]:
    """The hashes of the denylist file (the record that outlives a lost catalog)."""
    path = _list_path(settings)
    if not path.exists():
        return set()
    return {int(line, 16) for line in path.read_text(encoding="ascii").split() if line}


def _synced(settings: Settings, con) -> list[int]:
    """Every listed hash, file and catalog made to agree (a rebuilt catalog starts empty; a file
    lost while the catalog kept its rows is written again)."""
    in_catalog = {r[0] for r in con.execute("select hash from optout").fetchall()}
    in_file = _listed(settings)
    for value in sorted(in_file - in_catalog):
        con.execute("insert or ignore into optout values (?, ?)", [value, catalog.now()])
    if in_catalog - in_file:
        _append(settings, sorted(in_catalog - in_file))
    return sorted(in_file | in_catalog)


def _append(settings: Settings, hashes: list[int]) -> None:
    settings.keystore.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(_list_path(settings), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="ascii") as handle:
        handle.write("".join(f"{value:016x}\n" for value in hashes))
        handle.flush()
        os.fsync(handle.fileno())


def add(settings: Settings, macs: list[int]) -> int:
    """Add devices to the denylist (their keyed hashes); the number newly added."""
    key = _key(settings, create=True)
    assert key is not None  # created by _key when missing
    hashes = {pseudonym.pseudonym(key, mac) for mac in macs}
    with catalog.connect(settings) as con:
        before = set(_synced(settings, con))
        new = sorted(hashes - before)
        _append(settings, new)  # the file first: it is what survives a lost catalog
        for value in new:
            con.execute("insert or ignore into optout values (?, ?)", [value, catalog.now()])
    return len(new)


def count(settings: Settings) -> int:
    """How many devices are on the denylist."""
    with catalog.connect(settings) as con:
        return len(_synced(settings, con))


def denylist(settings: Settings) -> tuple[pa.Table, dict] | None:
    """The hashes and the key's HMAC pads for ingestion, or None when nobody opted out."""
    with catalog.connect(settings) as con:
        hashes = _synced(settings, con)
    if not hashes:
        return None
    key = _key(settings, create=False)
    if key is None or len(key) != pseudonym.KEY_BYTES:
        raise OptOutKeyError(
            f"{len(hashes)} device(s) opted out, but the opt-out key {_key_path(settings)} is missing "
            "or damaged: restore it from the keystore backup before ingesting (without it the "
            "listed devices would be counted again)."
        )
    pads = pseudonym.hmac_pads(key)
    return pa.table({"hash": pa.array(hashes, pa.uint64())}), {
        "opt_ipad": pads["ipad"],
        "opt_opad": pads["opad"],
    }
