"""Days whose aggregates read earlier days, kept right whatever order days are built in.

A day's AP health (and the no-data hours and footfall built on it) compares the day with the
HISTORY_DAYS before it; its quality report compares it with the same weekday over the WEEKS before.
So when a day is built again with different figures (a backfill that builds a later day first, a
late file, a repair), the later days that read it are stale. Before its new figures are written,
those later days are marked in the catalog (stale_days); after the run, each is rebuilt under its
own lock (pipeline.ops.nightly.rebuild_stale), holding no other lock, so that two nights never wait
for each other in a circle. A mark outlives a killed run: any later run's rebuild takes it up. Two
nights of different days therefore end with the same bytes in either order, or at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import lake
from pipeline.lake import catalog
from pipeline.config import Settings

log = logging.getLogger(__name__)

HISTORY_DAYS = 14  # AP health and no-data hours compare a day with this many before it
WEEKS = 4  # the quality report compares a day with the same weekday of this many weeks before
AP_HISTORY_SCHEMA = pa.schema(
    [
        ("ap_id", pa.string()),
        ("site_id", pa.string()),
        ("events", pa.int64()),
        ("active_hours", pa.int64()),
        ("active_mask", pa.int32()),
        ("hour_events", pa.list_(pa.int64())),
        ("day", pa.date32()),
    ]
)
QUALITY_READ = ("events", "devices", "visits", "trips")  # what a later day's report reads


def changed(root: Path, day: date, new: pa.Table, columns: Iterable[str]) -> bool:
    """Whether the columns later days read differ between the day's partition and `new`."""
    files = lake.day_files(root, day)
    try:
        old = pq.read_table(files[0], columns=list(columns)) if files else None
    except (OSError, pa.ArrowException):  # damaged (a repair rebuilds it): take it as changed
        return True
    return old is None or not old.equals(new.select(list(columns)).cast(old.schema))


def later_days(day: date, what: str) -> list[date]:
    """The days whose `what` (marts: AP history; quality: weekday medians) reads `day`."""
    if what == "marts":
        return [day + timedelta(days=n) for n in range(1, HISTORY_DAYS + 1)]
    return [day + timedelta(weeks=w) for w in range(1, WEEKS + 1)]


def mark(settings: Settings, day: date, what: str) -> list[date]:
    """Mark the later days that were built (or are being built) on the old figures of `day`."""
    days = [
        d
        for d in later_days(day, what)
        if lake.day_files(settings.marts / "footfall_daily", d) or lake.day_files(settings.visits, d)
    ]
    with catalog.connect(settings) as con:
        for later in days:
            con.execute(
                "insert into stale_days values (?, ?) on conflict (day) do nothing", [later, catalog.now()]
            )
    if days:
        log.info("%s changed: %s of %s to rebuild", day, what, [d.isoformat() for d in days])
    return days


def marked(settings: Settings) -> list[date]:
    """The days marked stale, oldest first (pipeline.ops.nightly rebuilds them)."""
    with catalog.connect(settings) as con:
        return [r[0] for r in con.execute("select day from stale_days order by day").fetchall()]


def unmark(settings: Settings, day: date) -> None:
    """Take a day's stale mark away (it was rebuilt, or needs no rebuild)."""
    with catalog.connect(settings) as con:
        con.execute("delete from stale_days where day = ?", [day])
