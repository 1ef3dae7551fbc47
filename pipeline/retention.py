"""Retention: raw logs, pseudonymised data and keys are kept only as long as the policy says.

Relative to the service day being processed (pipeline time), so a backfill behaves like the
nights it replays: raw files go `raw_retention_days` after their last day, pseudonymised events,
visits, trips and quarantine after `staged_retention_days`, and a day's key `key_grace_days` after
its aggregates were built. Marts and releases are kept. What is removed is logged by path and
count, never by content.
"""

from __future__ import annotations

import logging
import shutil
from datetime import date, timedelta
from pathlib import Path

from pipeline import catalog, pseudonym
from pipeline.config import Settings

log = logging.getLogger(__name__)


def _old_partitions(root: Path, cutoff: date) -> list[Path]:
    return [p for p in sorted(root.glob("day=*")) if p.name[4:] <= cutoff.isoformat()]


def destroy_keys(settings: Settings, day: date) -> list[date]:
    """Destroy the keys of built days at least key_grace_days before `day`."""
    cutoff = day - timedelta(days=settings.key_grace_days)
    with catalog.connect(settings) as con:
        days = [row[0] for row in con.execute(
            "select day from day_status where built_at is not null and key_destroyed_at is null "
            "and day <= ? order by day", [cutoff]).fetchall()]
    for old in days:
        pseudonym.destroy_key(settings.keystore, old)
        with catalog.connect(settings) as con:
            con.execute("update day_status set key_destroyed_at = ? where day = ?",
                        [catalog.now(), old])
    return days


def purge_raw(settings: Settings, day: date) -> list[str]:
    """Delete landed raw files whose last service day is raw_retention_days before `day`."""
    cutoff = day - timedelta(days=settings.raw_retention_days)
    with catalog.connect(settings) as con:
        rows = con.execute("""
            select f.file_id
            from files as f
            left join file_days as d using (file_id)
            where f.purged_at is null and (f.ingested_at is not null or f.error is not null)
            group by f.file_id, f.year_hint, f.landed_at
            having coalesce(max(d.day), f.year_hint, cast(f.landed_at as date)) <= ?
            order by f.file_id
        """, [cutoff]).fetchall()
    purged = []
    with catalog.connect(settings) as con:
        for (file_id,) in rows:
            shutil.rmtree(settings.landing / file_id, ignore_errors=True)
            con.execute("update files set purged_at = ? where file_id = ?", [catalog.now(), file_id])
            purged.append(file_id)
    return purged


def purge_staged(settings: Settings, day: date) -> list[str]:
    """Delete pseudonymised partitions (events, visits, trips) and quarantine older than the policy."""
    cutoff = day - timedelta(days=settings.staged_retention_days)
    removed = []
    for root in (settings.events, settings.visits, settings.trips):
        for part in _old_partitions(root, cutoff):
            shutil.rmtree(part)
            removed.append(str(part.relative_to(settings.home)))
    with catalog.connect(settings) as con:
        old_files = [row[0] for row in con.execute(
            "select file_id from file_days group by file_id having max(day) <= ?", [cutoff]).fetchall()]
    for file_id in old_files:
        path = settings.quarantine / f"{file_id}.parquet"
        if path.exists():
            path.unlink()
            removed.append(str(path.relative_to(settings.home)))
    return removed


def retention(settings: Settings, day: date) -> dict:
    """The nightly retention stage: keys, raw files, pseudonymised data; counts by kind."""
    keys = destroy_keys(settings, day)
    raw = purge_raw(settings, day)
    staged = purge_staged(settings, day)
    for path in staged:
        log.info("retention removed %s", path)
    log.info("retention %s: destroyed %d keys %s, purged %d raw files, %d staged paths", day,
             len(keys), [d.isoformat() for d in keys], len(raw), len(staged))
    return {"keys_destroyed": len(keys), "raw_files_purged": len(raw), "staged_removed": len(staged)}
