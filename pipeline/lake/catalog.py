"""The catalog (footfall.duckdb): file registry, day status, run log. Short transactions only,
so that parallel tasks take turns on the single-writer file instead of failing.

Never a silent single point of failure: a lost catalog (the file gone while the lake it was made
for holds data: a marker beside it says it existed) and a damaged one (not a database, truncated,
a corrupt write-ahead log) stop every command with one line that says to run
`footfall check --repair`, which rebuilds it from the lake (pipeline.ops.recovery)."""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import asdict
from typing import Any
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, UTC

import duckdb

from pipeline import lake
from pipeline.lake import locks, sweep
from pipeline.config import Settings

LOCK_WAIT_S = 120
MARKER = ".catalog-made"  # in the lake: a catalog was made for it (its loss is then an error)
REPAIR = (
    "run `footfall check --repair`: it rebuilds the catalog from the lake and says what it could not restore"
)
_HELD: dict[str, tuple[Settings, duckdb.DuckDBPyConnection]] = {}


class CatalogError(RuntimeError):
    """The catalog is missing, damaged, behind the lake or held too long by another process;
    the message says what to do."""


def lake_has_data(settings: Settings) -> bool:
    """Whether the lake holds anything a catalog describes (landed, staged, built, published)."""
    roots = [settings.landing, settings.events, settings.marts, settings.published]
    return any(
        root.is_dir() and any(p for p in root.iterdir() if not p.name.startswith(".")) for root in roots
    )


def _damage(settings: Settings, error: Exception) -> CatalogError:
    """The one-line error for a catalog DuckDB cannot read (its text is not quoted: no path of
    another user, no PID)."""
    text = str(error)
    if "WAL" in text:
        return CatalogError(
            f"the catalog's write-ahead log {settings.catalog}.wal is damaged (a run killed while "
            f"writing it, or a disk fault): {REPAIR} (it sets the log aside)."
        )
    what = (
        "it is not a DuckDB database (zeroed or overwritten)"
        if "not a valid DuckDB" in text
        else "it is truncated"
        if "read enough bytes" in text
        else "it cannot be read"
    )
    return CatalogError(
        f"the catalog {settings.catalog} is damaged: {what}; {REPAIR} (the damaged file is kept beside it)."
    )


def _locked(error: Exception) -> bool:
    return "Could not set lock" in str(error) or "Conflicting lock" in str(error)


@contextmanager
def held(settings: Settings) -> Iterator[None]:
    """Keep the catalog open while a batch of stages runs in this process (a night from the CLI):
    each `connect` inside is a cursor on one connection, not an open of the file (some 15 ms,
    dozens of times a night). Other processes wait until the batch is done (LOCK_WAIT_S), or
    until it waits for a lock of theirs: it lets go of the catalog meanwhile (_let_go)."""
    path = str(settings.catalog)
    if path in _HELD:
        yield
        return
    _HELD[path] = (settings, open_catalog(settings))
    try:
        yield
    finally:
        _HELD.pop(path)[1].close()


@contextmanager
def _let_go():
    """Close the held catalogs while this process waits for a lock, and open them again after:
    the run holding that lock may need the catalog to finish (no cursor is open across a wait)."""
    for _, con in _HELD.values():
        con.close()
    try:
        yield
    finally:
        for path, (settings, _) in list(_HELD.items()):
            _HELD[path] = (settings, open_catalog(settings))


locks.while_waiting(_let_go)


@contextmanager
def connect(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the catalog, retried while another process holds the file."""
    held_open = _HELD.get(str(settings.catalog))
    if held_open is not None:
        cursor = held_open[1].cursor()
        try:
            cursor.execute("set TimeZone = 'UTC'")
            yield cursor
        finally:
            cursor.close()
        return
    con = open_catalog(settings)
    try:
        yield con
    finally:
        con.close()


def open_catalog(settings: Settings, rebuild: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the catalog (made on first use), waiting while another process holds it; a lost or
    damaged catalog raises CatalogError (rebuild=True: a lost one is made anew, to fill)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    marker = settings.home / MARKER
    if not rebuild and not settings.catalog.exists() and marker.exists() and lake_has_data(settings):
        raise CatalogError(
            f"the catalog {settings.catalog} is missing while the lake holds data "
            f"(a deleted or lost file): {REPAIR}."
        )
    if not settings.catalog.exists():
        _create(settings)
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            con = duckdb.connect(
                str(settings.catalog), config={"threads": 1, "autoinstall_known_extensions": False}
            )
            break
        except duckdb.Error as error:
            if lake.is_disk_full(error):
                raise
            if not _locked(error):
                raise _damage(settings, error) from None
            if time.monotonic() > deadline:
                raise CatalogError(
                    f"the catalog {settings.catalog} is locked by another process for more than "
                    f"{LOCK_WAIT_S} s; check for a stuck run."
                ) from None
            time.sleep(0.05 + random.random() * 0.2)
    try:
        con.execute("set enable_progress_bar = false")
        con.execute("set TimeZone = 'UTC'")
        con.execute(lake.sql_text("lake/catalog"))
    except duckdb.Error as error:
        con.close()
        if lake.is_disk_full(error):
            raise
        raise _damage(settings, error) from None
    if not marker.exists():
        lake.write_bytes(b"a catalog was made for this lake: its loss is an error\n", marker)
    return con


def _create(settings: Settings) -> None:
    """Make the catalog whole under a temp name, then link it into place: a process opening it
    meanwhile never finds a half-made file (another process that won the race keeps its own)."""
    tmp = sweep.temp_name(settings.catalog)
    try:
        con = duckdb.connect(str(tmp), config={"threads": 1, "autoinstall_known_extensions": False})
        try:
            con.execute(lake.sql_text("lake/catalog"))
        finally:
            con.close()
        os.link(tmp, settings.catalog)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def verify(settings: Settings) -> None:
    """Read the whole catalog (every row of every table, against DuckDB's block checksums):
    CatalogError when it is missing, damaged or truncated."""
    with connect(settings) as con:
        try:
            for (table,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main'"
            ).fetchall():
                con.execute(f'select max(hash(t)) from "{table}" as t').fetchall()
        except duckdb.Error as error:
            raise _damage(settings, error) from None


def now() -> datetime:
    return datetime.now(UTC)


def record_run(settings: Settings, day: date, stage: str, seconds: float, result: Any) -> None:
    """Log one stage of one day: its result (a dataclass of counts) as JSON."""
    with connect(settings) as con:
        con.execute(
            "insert into runs values (?, ?, ?, ?, ?)",
            [day, stage, now(), seconds, json.dumps(asdict(result), sort_keys=True)],
        )


def mark_days(con: duckdb.DuckDBPyConnection, days: list[date]) -> None:
    """Days that received events and must be (re)built."""
    for day in days:
        con.execute(
            """
            insert into day_status (day, needs_build) values (?, true)
            on conflict (day) do update set needs_build = true
        """,
            [day],
        )
