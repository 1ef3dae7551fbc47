"""Corrupt Parquet partitions: found by their whole-file sha256 (recorded beside each file when it
was written: damage anywhere, footer included) or, for a file written before checksums were
recorded, by reading every page against its checksum; rebuilt from the layer below while that
still exists, reported when retention has removed it.

The layers of a day: staged events (rebuilt by ingesting the landed raw file again under the day's
key), then visits and trips, then the marts (both rebuilt from the events by the night's stages).
Raw files live 3 days, events 7, keys until 2 days after the build: past that a corrupt mart can
only be restored from a backup, and the report says which file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import lake
from pipeline.ingest import pseudonym
from pipeline.lake import catalog, locks, sweep
from pipeline.config import Settings
from pipeline.ingest.masking import mask_macs

log = logging.getLogger(__name__)


CORRUPT = ".corrupt"  # suffix of a file set aside because it is corrupt and cannot be rebuilt


class CorruptPartitionError(RuntimeError):
    """A partition is corrupt and can no longer be rebuilt from what lies before it."""


@dataclass(frozen=True)
class Damage:
    table: str  # events, visits, trips or marts/<name>
    day: date
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.table} {self.day} ({self.path.name}): {self.reason}"


@dataclass
class Outcome:
    found: list[Damage] = field(default_factory=list)
    rebuilt: list[Damage] = field(default_factory=list)
    lost: dict[Damage, str] = field(default_factory=dict)  # damage -> why it cannot be rebuilt


def verify(path: Path) -> str | None:
    """Why a Parquet file is damaged, or None when it is sound: its bytes against the sha256
    recorded when it was written, else (none recorded) its pages against their checksums."""
    expected = lake.recorded_sha256(path)
    if expected is None:
        return readable(path)
    actual = lake.sha256_file(path)
    if actual == expected or sweep.writing(path):  # a live writer is between its two renames
        return None
    return (
        f"its bytes differ from those written (sha256 {actual[:12]}..., recorded "
        f"{expected[:12]}...): damaged on disk"
    )


def readable(path: Path) -> str | None:
    """Why a Parquet file cannot be read (footer, pages, page checksums), or None.

    Row group by row group: memory stays that of one row group."""
    try:
        parquet = pq.ParquetFile(path, page_checksum_verification=True)
        for index in range(parquet.num_row_groups):
            parquet.read_row_group(index)
    except (OSError, pa.ArrowException) as error:
        return mask_macs(str(error).splitlines()[0])[:200]
    return None


def tables(settings: Settings) -> dict[str, Path]:
    """The day-partitioned tables of the lake, lowest layer first."""
    out = {"events": settings.events, "visits": settings.visits, "trips": settings.trips}
    if settings.marts.exists():
        out.update({f"marts/{p.name}": p for p in sorted(settings.marts.iterdir()) if p.is_dir()})
    return out


def scan(settings: Settings, first: date, last: date, only: tuple[str, ...] | None = None) -> list[Damage]:
    """Every unreadable Parquet file of the days first..last (of the tables whose names start
    with one of `only`, else all)."""
    found = []
    for table, root in tables(settings).items():
        if only and not table.startswith(only):
            continue
        for part in sorted(root.glob("day=*")):
            day = date.fromisoformat(part.name[4:])
            if first <= day <= last:
                for path in lake.committed(part):
                    if (reason := verify(path)) is not None:
                        found.append(Damage(table, day, path, reason))
    return found


def _raw_and_key(settings: Settings, file_id: str, day: date) -> str | None:
    """Why the events of one file and day cannot be made again, or None when they can."""
    with catalog.connect(settings) as con:
        rows = con.execute("select name, purged_at from files where file_id = ?", [file_id]).fetchall()
    if not rows:
        return "the file is not in the catalog"
    name, purged_at = rows[0]
    if purged_at is not None or lake.landed(settings, file_id) is None:
        return f"its raw log was deleted by retention ({settings.raw_retention_days} days)"
    if not pseudonym.has_key(settings.keystore, day):
        return "the day's pseudonym key is destroyed"
    return None


# Builds the given steps of a day again (pipeline.ops.nightly passes the stages)
Rebuild = Callable[[Settings, date, list[str]], None]


def _repair_day(
    settings: Settings, day: date, damaged: list[Damage], outcome: Outcome, rebuild: Rebuild
) -> None:
    events = [d for d in damaged if d.table == "events"]
    why = {d: _raw_and_key(settings, d.path.stem, day) for d in events}
    lost = {}
    if any(why.values()):
        lost = {
            d: why.get(d) or "the staged events it is built from are corrupt and cannot be made again"
            for d in damaged
        }
    elif not events and not lake.day_files(settings.events, day):
        lost = {
            d: f"the staged events of the day were removed by retention "
            f"({settings.staged_retention_days} days)"
            for d in damaged
        }
    if lost:
        for d, reason in lost.items():
            # set aside, out of every reader's glob: the day counts as without data until restored
            aside = d.path.rename(d.path.with_name(d.path.name + CORRUPT))
            if lake.sidecar(d.path).exists():
                lake.sidecar(d.path).rename(lake.sidecar(aside))
            log.error("%s cannot be rebuilt (%s); set aside as %s%s", d, reason, d.path.name, CORRUPT)
        outcome.lost.update(lost)
        return
    for d in events:
        d.path.unlink()
        lake.sidecar(d.path).unlink(missing_ok=True)
        with catalog.connect(settings) as con:
            con.execute("update files set ingested_at = null where file_id = ?", [d.path.stem])
    rebuild(settings, day, (["ingest"] if events else []) + ["movement", "marts", "quality"])
    outcome.rebuilt.extend(damaged)


def repair(
    settings: Settings,
    first: date,
    last: date,
    *,
    rebuild: Rebuild,
    only: tuple[str, ...] | None = None,
    held: date | None = None,
) -> Outcome:
    """Find the corrupt partitions of first..last and rebuild each day from its intact layer below
    (`rebuild`: the steps that build a day; pipeline.ops.nightly.repair passes the stages).

    Holds each repaired day's lock, except `held`, a day the caller already holds."""
    outcome = Outcome(found=scan(settings, first, last, only))
    for day in sorted({d.day for d in outcome.found}):
        damaged = [d for d in outcome.found if d.day == day]
        log.warning("corrupt partitions of %s: %s", day, "; ".join(map(str, damaged)))
        if day == held:
            _repair_day(settings, day, damaged, outcome, rebuild)
        else:
            with locks.day_lock(settings, day):
                _repair_day(settings, day, damaged, outcome, rebuild)
    return outcome


def unverified(settings: Settings, first: date, last: date) -> list[Path]:
    """Partition files with no recorded checksum (written by an older version)."""
    return [
        path
        for root in tables(settings).values()
        for part in sorted(root.glob("day=*"))
        if first.isoformat() <= part.name[4:] <= last.isoformat()
        for path in lake.committed(part)
        if lake.recorded_sha256(path) is None
    ]


def record_missing(settings: Settings, first: date, last: date) -> list[Path]:
    """Record the checksum of every file without one whose pages all read soundly."""
    done = []
    for path in unverified(settings, first, last):
        if readable(path) is None:
            lake.record_sha256(path)
            done.append(path)
    return done


def set_aside(settings: Settings) -> list[Path]:
    """The files set aside as corrupt and not restored yet."""
    return sorted(settings.home.glob(f"**/day=*/*.parquet{CORRUPT}"))


def require(outcome: Outcome, what: str) -> None:
    """Raise when a partition that `what` needs was corrupt beyond rebuilding (now set aside)."""
    if outcome.lost:
        raise CorruptPartitionError(
            f"{what}: {len(outcome.lost)} corrupt partition(s) could not be rebuilt and were set "
            "aside (*.parquet.corrupt): "
            + "; ".join(f"{d} - {why}" for d, why in outcome.lost.items())
            + ". Restore them from a backup and run again, or run again to go on without them "
            "(those days then count as without data)."
        )
