"""The catalog (footfall.duckdb): file registry, day status, run log. Short transactions only,
so that parallel tasks take turns on the single-writer file instead of failing."""

from __future__ import annotations

import json
import random
import time
from contextlib import contextmanager
from datetime import date, datetime, UTC

import duckdb

from pipeline import lake
from pipeline.config import Settings

LOCK_WAIT_S = 120
_HELD: dict[str, duckdb.DuckDBPyConnection] = {}


@contextmanager
def held(settings: Settings):
    """Keep the catalog open while a batch of stages runs in this process (a night from the CLI):
    each `connect` inside is a cursor on one connection, not an open of the file (some 15 ms,
    dozens of times a night). Other processes wait until the batch is done (LOCK_WAIT_S)."""
    path = str(settings.catalog)
    if path in _HELD:
        yield
        return
    with connect(settings) as con:
        _HELD[path] = con
        try:
            yield
        finally:
            del _HELD[path]


@contextmanager
def connect(settings: Settings):
    """A connection to the catalog, retried while another process holds the file."""
    held_open = _HELD.get(str(settings.catalog))
    if held_open is not None:
        cursor = held_open.cursor()
        try:
            cursor.execute("set TimeZone = 'UTC'")
            yield cursor
        finally:
            cursor.close()
        return
    settings.home.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            con = duckdb.connect(str(settings.catalog), config={
                "threads": 1, "autoinstall_known_extensions": False})
            break
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the catalog {settings.catalog} is locked by another process for more than "
                    f"{LOCK_WAIT_S} s; check for a stuck run."
                ) from error
            time.sleep(0.05 + random.random() * 0.2)
    try:
        con.execute("set enable_progress_bar = false")
        con.execute("set TimeZone = 'UTC'")
        con.execute(lake.sql_text("catalog/schema"))
        yield con
    finally:
        con.close()


def now() -> datetime:
    return datetime.now(UTC)


def record_run(settings: Settings, day: date, stage: str, seconds: float, figures: dict) -> None:
    """Log one stage of one day (counts only)."""
    with connect(settings) as con:
        con.execute("insert into runs values (?, ?, ?, ?, ?)",
                    [day, stage, now(), seconds, json.dumps(figures, sort_keys=True)])


def mark_days(con, days: list[date]) -> None:
    """Days that received events and must be (re)built."""
    for day in days:
        con.execute("""
            insert into day_status (day, needs_build) values (?, true)
            on conflict (day) do update set needs_build = true
        """, [day])
