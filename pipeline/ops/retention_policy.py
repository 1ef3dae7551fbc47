"""Retention: raw logs, pseudonymised data and keys are kept only as long as the policy says, and
the night removes them whatever else happened (pipeline.ops.nightly.run runs it after a failed stage too).

Three clocks, each an upper bound:
- pipeline time (the service day P being processed, so that a backfill behaves like the nights it
  replays): a raw file goes `raw_retention_days` after its last service day; events, visits, trips
  and quarantine `staged_retention_days` after theirs; a built day's key `key_grace_days` after the
  day, a day never built (the pipeline was down) when its events go, `staged_retention_days`;
- the landing date: a raw file that could not be read, or whose days lie in the future (a clock
  set wrong), goes like any other, counted from the day it landed;
- wall-clock time: whatever pipeline time says, an ingested raw file is gone `raw_retention_days`
  + WALL_SLACK_DAYS days after it landed, one never ingested after PENDING_MAX_DAYS, a partition,
  quarantine file or key file `staged_retention_days` + WALL_SLACK_DAYS days after it was written.
Raw files go before keys: before a day's key is destroyed, every landed raw file with events of
that day is deleted, so that a pseudonym can never be traced back through file_id and record to a
raw line once its key is gone; a key whose raw file could not be deleted is kept (and reported).
The sweep removes orphans: quarantine files of files the catalog does not know, key files of days
the catalog never heard of, temp files of killed writers in the lake and the keystore, and old
spill files. Marts and releases are kept. What is removed is logged by path and count, never by
content.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pipeline.ingest import pseudonym
from pipeline.lake import catalog
from pipeline.config import Settings
from pipeline.lake.sweep import sweep as sweep_lake

log = logging.getLogger(__name__)

WALL_SLACK_DAYS = 2  # a service day ends a day after it starts, and its night runs the day after
PENDING_MAX_DAYS = 14  # a landed file not ingested by then (the pipeline stopped) is deleted
TEMP_MAX_AGE_S = 3600  # a temp file older than this belongs to a writer that was killed
SPILL_MAX_AGE_S = 86400


def _day_of(path: Path, prefix: str = "", suffix: str = "") -> date | None:
    name = path.name
    if not (name.startswith(prefix) and name.endswith(suffix)):
        return None
    try:
        return date.fromisoformat(name[len(prefix) : len(name) - len(suffix)])
    except ValueError:
        return None


def _older_than(path: Path, days: float) -> bool:
    try:
        return path.stat().st_mtime < time.time() - days * 86400
    except FileNotFoundError:
        return False


def _remove(path: Path) -> bool:
    """Delete a file or folder; True when it is gone."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    return not path.exists()


def _purge_files(settings: Settings, con, file_ids: list[str], why: str) -> list[str]:
    purged = []
    for file_id in file_ids:
        if _remove(settings.landing / file_id):
            con.execute(
                "update files set purged_at = ?, error = coalesce(error, ?) where file_id = ?",
                [catalog.now(), why, file_id],
            )
            purged.append(file_id)
        else:
            log.warning("retention could not delete the raw file %s: remove it by hand", file_id)
    return purged


def purge_raw(settings: Settings, day: date) -> list[str]:
    """Delete landed raw files past the policy: by last service day (pipeline time), by landing day
    for files with no usable day, and by wall-clock age since landing."""
    cutoff = day - timedelta(days=settings.raw_retention_days)
    now = catalog.now()
    landed_before = now - timedelta(days=settings.raw_retention_days + WALL_SLACK_DAYS)
    with catalog.connect(settings) as con:
        done = [
            r[0]
            for r in con.execute(
                """
            select f.file_id
            from files as f
            left join file_days as d using (file_id)
            where f.purged_at is null and (f.ingested_at is not null or f.error is not null)
            group by f.file_id, f.year_hint, f.landed_at
            having coalesce(max(d.day), f.year_hint, cast(f.landed_at as date)) <= ?
                or cast(f.landed_at as date) <= ?
                or f.landed_at < ?
            order by f.file_id
        """,
                [cutoff, cutoff, landed_before],
            ).fetchall()
        ]
        stuck = [
            r[0]
            for r in con.execute(
                "select file_id from files where purged_at is null and ingested_at is null and error is null "
                "and landed_at < ? order by file_id",
                [now - timedelta(days=PENDING_MAX_DAYS)],
            ).fetchall()
        ]
        purged = _purge_files(settings, con, done, "purged by retention")
        purged += _purge_files(
            settings, con, stuck, f"not ingested within {PENDING_MAX_DAYS} days: deleted by retention unread"
        )
    for file_id in stuck:
        log.warning(
            "retention deleted %s unread: it was landed %d days ago and never ingested",
            file_id,
            PENDING_MAX_DAYS,
        )
    return purged


def _raw_before_key(settings: Settings, old: date) -> bool:
    """Delete every raw file with events of `old`; True when none is left."""
    with catalog.connect(settings) as con:
        files = [
            r[0]
            for r in con.execute(
                "select distinct file_id from file_days join files using (file_id) "
                "where day = ? and purged_at is null order by file_id",
                [old],
            ).fetchall()
        ]
        purged = _purge_files(settings, con, files, "purged before its day's key")
    return len(purged) == len(files)


def _due_keys(settings: Settings, day: date) -> list[date]:
    """Days whose key must go: built and past the grace, never built and past staged retention,
    or a key file (known to the catalog or not) past either clock."""
    built_cutoff = day - timedelta(days=settings.key_grace_days)
    cutoff = day - timedelta(days=settings.staged_retention_days)
    with catalog.connect(settings) as con:
        due = {
            r[0]
            for r in con.execute(
                "select day from day_status where key_destroyed_at is null and "
                "((built_at is not null and day <= ?) or day <= ?)",
                [built_cutoff, cutoff],
            ).fetchall()
        }
    for path in settings.keystore.glob("*.key"):
        key_day = _day_of(path, suffix=".key")
        if key_day and (
            key_day <= cutoff or _older_than(path, settings.staged_retention_days + WALL_SLACK_DAYS)
        ):
            due.add(key_day)
    return sorted(due)


def destroy_keys(settings: Settings, day: date) -> list[date]:
    """Destroy the keys that are due (raw files of their day deleted first)."""
    destroyed = []
    for old in _due_keys(settings, day):
        if not _raw_before_key(settings, old):
            log.warning("the key of %s is kept: a raw file of that day could not be deleted", old)
            continue
        pseudonym.destroy_key(settings.keystore, old)
        with catalog.connect(settings) as con:
            con.execute("update day_status set key_destroyed_at = ? where day = ?", [catalog.now(), old])
        destroyed.append(old)
    return destroyed


def _quarantine_due(settings: Settings, cutoff: date) -> set[str]:
    with catalog.connect(settings) as con:
        known = {
            r[0]: r[1]
            for r in con.execute(
                """
            select f.file_id, coalesce(max(d.day), f.year_hint, cast(f.landed_at as date)) <= ?
            from files as f left join file_days as d using (file_id)
            group by f.file_id, f.year_hint, f.landed_at""",
                [cutoff],
            ).fetchall()
        }
    due = set()
    for path in settings.quarantine.glob("[!.]*.parquet"):  # not a writer's temp file
        file_id = path.stem
        if known.get(file_id, True) or _older_than(path, settings.staged_retention_days + WALL_SLACK_DAYS):
            due.add(file_id)  # past its day, its file unknown to the catalog, or simply old
    return due


def purge_staged(settings: Settings, day: date) -> list[str]:
    """Delete pseudonymised partitions (events, visits, trips) and quarantine files past the policy."""
    cutoff = day - timedelta(days=settings.staged_retention_days)
    removed = []
    for root in (settings.events, settings.visits, settings.trips):
        for part in sorted(root.glob("day=*")):
            part_day = _day_of(part, prefix="day=")
            if part_day and (
                part_day <= cutoff or _older_than(part, settings.staged_retention_days + WALL_SLACK_DAYS)
            ):
                if _remove(part):
                    removed.append(str(part.relative_to(settings.home)))
    for file_id in sorted(_quarantine_due(settings, cutoff)):
        path = settings.quarantine / f"{file_id}.parquet"
        if _remove(path):
            removed.append(str(path.relative_to(settings.home)))
    return removed


def sweep(settings: Settings) -> list[str]:
    """Temp files of killed writers (lake and keystore) and old spill files."""
    removed = sweep_lake(settings.home)  # dead writers only: a live writer's temp files stay
    # pseudonym.day_key writes a key under a private dot-name before linking it into place
    leftovers = [p for p in settings.keystore.glob(".*") if _older_than(p, TEMP_MAX_AGE_S / 86400)]
    leftovers += [p for p in settings.spill.glob("*") if _older_than(p, SPILL_MAX_AGE_S / 86400)]
    removed += [str(p) for p in leftovers if _remove(p)]
    return removed


@dataclass(frozen=True)
class Retention:
    """What the night's retention removed, by kind."""

    raw_files_purged: int
    keys_destroyed: int
    staged_removed: int
    orphans_removed: int


def retention(settings: Settings, day: date) -> Retention:
    """The nightly retention stage: orphans, raw files, keys, pseudonymised data; counts by kind."""
    swept = sweep(settings)
    raw = purge_raw(settings, day)
    keys = destroy_keys(settings, day)
    staged = purge_staged(settings, day)
    for path in staged + swept:
        log.info("retention removed %s", path)
    log.info(
        "retention %s: purged %d raw files, destroyed %d keys %s, %d staged paths, %d orphans",
        day,
        len(raw),
        len(keys),
        [d.isoformat() for d in keys],
        len(staged),
        len(swept),
    )
    return Retention(len(raw), len(keys), len(staged), len(swept))
