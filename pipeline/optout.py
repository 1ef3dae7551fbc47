"""The opt-out: devices whose owners asked not to be counted, dropped at ingestion.

The denylist holds no MAC: only the first 8 bytes of HMAC-SHA256 under an opt-out key that lives in
the keystore (optout.key, 0600), long-lived and apart from the daily keys (retention never touches
it). Ingestion computes the same hash for every new MAC of a day and gives no pseudonym to a listed
one, so its records are never staged, quarantined or counted as devices: the file's catalog row
counts them (files.opted_out), nothing more. A denylist without its key stops ingestion
(OptOutKeyError): counting the listed devices again would break the promise silently.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pyarrow as pa

from pipeline import catalog, pseudonym
from pipeline.config import Settings

KEY_NAME = "optout.key"
_SEPARATORS = re.compile(r"[\s:.\-]")


class OptOutKeyError(RuntimeError):
    """The denylist exists but its key does not: ingestion cannot honour it."""


def parse_mac(text: str) -> int:
    """A MAC address in any usual spelling (aa:bb:.., AA-BB-.., aabb.ccdd.eeff, bare) as 48 bits."""
    digits = _SEPARATORS.sub("", text.strip()).lower()
    if not re.fullmatch(r"[0-9a-f]{12}", digits):
        raise ValueError("not a MAC address: expected 12 hex digits (aa:bb:cc:dd:ee:ff or a "
                         "usual variant); the value is not repeated here")
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


def add(settings: Settings, macs: list[int]) -> int:
    """Add devices to the denylist (their keyed hashes); the number newly added."""
    key = _key(settings, create=True)
    hashes = sorted({pseudonym.pseudonym(key, mac) for mac in macs})
    with catalog.connect(settings) as con:
        before = con.execute("select count(*) from optout").fetchall()[0][0]
        for value in hashes:
            con.execute("insert or ignore into optout values (?, ?)", [value, catalog.now()])
        after = con.execute("select count(*) from optout").fetchall()[0][0]
    return after - before


def count(settings: Settings) -> int:
    """How many devices are on the denylist."""
    with catalog.connect(settings) as con:
        return con.execute("select count(*) from optout").fetchall()[0][0]


def denylist(settings: Settings) -> tuple[pa.Table, dict] | None:
    """The hashes and the key's HMAC pads for ingestion, or None when nobody opted out."""
    with catalog.connect(settings) as con:
        hashes = [r[0] for r in con.execute("select hash from optout order by hash").fetchall()]
    if not hashes:
        return None
    key = _key(settings, create=False)
    if key is None or len(key) != pseudonym.KEY_BYTES:
        raise OptOutKeyError(
            f"{len(hashes)} device(s) opted out, but the opt-out key {_key_path(settings)} is missing "
            "or damaged: restore it from the keystore backup before ingesting (without it the "
            "listed devices would be counted again).")
    pads = pseudonym.hmac_pads(key)
    return pa.table({"hash": pa.array(hashes, pa.uint64())}), {"opt_ipad": pads["ipad"],
                                                                "opt_opad": pads["opad"]}
