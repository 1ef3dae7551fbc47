"""What every run checks first, and the catalog rebuilt from the lake.

`preflight`, at the start of every command and every Airflow task: the leftovers of killed runs
are cleared (pipeline.lake.sweep); the whole catalog is read (a lost, zeroed, truncated or WAL-damaged
file is a CatalogError); the catalog is compared with the lake (landed files, staged events and
built days it does not know mean it was lost or rolled back: a night would otherwise say "0 events
from 0 file(s)", and retention would never destroy the keys or delete the raw files of the days it
forgot); the keystore is compared with the days that have data (pseudonym.require_keys).

`rebuild`, for `footfall check --repair`: a damaged catalog (or its write-ahead log) is set aside,
and every row the lake can vouch for is restored: landed files from landing/ (checksummed again),
file days and quarantine counts from the staged events and quarantine, day status from the marts
and the keystore's tombstones, releases from published/. What the lake cannot say (provisions,
registries loaded into the catalog, the run log) is reported, with what to do.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, UTC
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import lake
from pipeline.ingest import formats, pseudonym
from pipeline.lake import catalog, locks, sweep
from pipeline.ingest.masking import safe_name
from pipeline.config import Settings

log = logging.getLogger(__name__)


@dataclass
class Rebuilt:
    """What `rebuild` restored and what it could not."""

    restored: list[str] = field(default_factory=list)
    not_restored: list[str] = field(default_factory=list)


def preflight(settings: Settings) -> list[str]:
    """Clear killed runs' leftovers, then check the catalog and the keystore against the lake;
    what the sweep did. Raises CatalogError or KeyLostError, each saying what to do."""
    swept = sweep.sweep(settings.home) if settings.home.exists() else []
    swept += [f"keystore/{name}: removed" for name in pseudonym.remove_strays(settings.keystore)]
    if not settings.catalog.exists() and not catalog.lake_has_data(settings):
        return swept  # a new lake: the catalog is made on first use
    catalog.verify(settings)
    problems = behind(settings)
    if problems:
        raise catalog.CatalogError(
            f"the catalog {settings.catalog} is behind the lake ({'; '.join(problems)}): it was "
            f"lost, replaced or rolled back; {catalog.REPAIR}."
        )
    pseudonym.require_keys(settings.keystore, data_days(settings))
    return swept


def _landed(settings: Settings) -> dict[str, Path]:
    """Landed raw files by file id (the first committed file of each landing/<id>/)."""
    out = {}
    if settings.landing.is_dir():
        for folder in sorted(settings.landing.iterdir()):
            files = (
                [p for p in sorted(folder.iterdir()) if not p.name.startswith(".")]
                if folder.is_dir() and not folder.name.startswith(".")
                else []
            )
            if files:
                out[folder.name] = files[0]
    return out


def _partition_days(root: Path) -> dict[date, list[Path]]:
    """The committed files of each day partition under root."""
    out = {}
    for part in sorted(root.glob("day=*")) if root.is_dir() else []:
        files = lake.committed(part)
        if files:
            out[date.fromisoformat(part.name[4:])] = files
    return out


def data_days(settings: Settings) -> set[date]:
    """The days with staged events or built marts: each had a key, so has a key or a tombstone."""
    return set(_partition_days(settings.events)) | set(_partition_days(settings.marts / "footfall_daily"))


def behind(settings: Settings) -> list[str]:
    """What the lake holds that the catalog does not know. The lake is listed before the catalog
    is read: a landed file's row is written before its rename, and a day's status before its
    marts, so a run in progress is never taken for a loss."""
    landed = set(_landed(settings))
    staged = {p.stem for files in _partition_days(settings.events).values() for p in files}
    built = set(_partition_days(settings.marts / "footfall_daily"))
    with catalog.connect(settings) as con:
        known = {r[0] for r in con.execute("select file_id from files").fetchall()}
        days = {r[0] for r in con.execute("select day from day_status").fetchall()}
    problems = []
    if landed - known:
        problems.append(f"{len(landed - known)} landed file(s) it does not know")
    if staged - known:
        problems.append(f"staged events of {len(staged - known)} file(s) it does not know")
    unknown_days = [d for d in sorted(built - days) if not locks.busy(settings, f"day={d.isoformat()}")]
    if unknown_days:
        problems.append(f"marts of {len(unknown_days)} day(s) it has no status for")
    return problems


def set_aside_damaged(settings: Settings, rebuilt: Rebuilt) -> None:
    """Move a catalog DuckDB cannot read (first its write-ahead log alone) out of the way."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for part in ("wal", "main"):
        try:
            catalog.verify(settings) if settings.catalog.exists() else None
            return
        except catalog.CatalogError as error:
            if part == "wal" and "write-ahead log" not in str(error):
                continue
            names = [settings.catalog.name + ".wal"] + ([settings.catalog.name] if part == "main" else [])
            for name in names:
                path = settings.home / name
                if path.exists():
                    aside = path.with_name(f"{name}.damaged-{stamp}")
                    path.rename(aside)
                    rebuilt.restored.append(f"set aside the damaged {aside.name}")
            if part == "wal":
                rebuilt.not_restored.append(
                    "rows written since the catalog's last checkpoint, other than those below "
                    "(provisions recorded then: record them again with `footfall provide --at`)"
                )


def rebuild(settings: Settings) -> Rebuilt:
    """Make the catalog whole again from the lake (it may be missing, damaged or behind)."""
    rebuilt = Rebuilt()
    made = not settings.catalog.exists()
    set_aside_damaged(settings, rebuilt)
    made = made or not settings.catalog.exists()
    con = catalog.open_catalog(settings, rebuild=True)
    try:
        _files(settings, con, rebuilt)
        _days(settings, con, rebuilt)
        _releases(settings, con, rebuilt)
    finally:
        con.close()
    if made:
        rebuilt.not_restored += [
            "provisions (the KPI ledger) are not in the lake: record them again with "
            "`footfall provide --release R --to DEPT --at DAY`",
            "registries loaded with `footfall registry load`: load them again with their "
            "--effective days (until then FOOTFALL_REGISTRY is in force)",
            "the run log (runs) of earlier nights",
            "the operator's decisions on files (file_actions): a file accepted over the quarantine "
            'limit fails its next night again: `footfall accept FILE_ID --reason "..."` again',
        ]
    return rebuilt


def _events_of(settings: Settings) -> dict[str, dict[date, Path]]:
    out: dict[str, dict[date, Path]] = {}
    for day, files in _partition_days(settings.events).items():
        for path in files:
            out.setdefault(path.stem, {})[day] = path
    return out


def _files(settings: Settings, con, rebuilt: Rebuilt) -> None:
    """Rows of files, file_days and file_quarantine from landing/, staged events, quarantine."""
    known = {r[0] for r in con.execute("select file_id from files").fetchall()}
    events, landed = _events_of(settings), _landed(settings)
    counts = {"landed": 0, "purged": 0, "days": 0}
    for file_id in sorted((set(landed) | set(events)) - known):
        if not _file_row(settings, con, file_id, landed.get(file_id), events.get(file_id, {}), rebuilt):
            continue
        counts["landed" if file_id in landed else "purged"] += 1
    known_days = {(f, d) for f, d in con.execute("select file_id, day from file_days").fetchall()}
    pending = {
        r[0]
        for r in con.execute(
            "select file_id from files where ingested_at is null and error is null"
        ).fetchall()
    }
    for file_id, by_day in events.items():
        if file_id in pending:
            continue  # ingested again by the next night, under the same keys: the same events
        for day, path in by_day.items():
            if (file_id, day) not in known_days:
                devices = pc.count_distinct(pq.read_table(path, columns=["device"])["device"]).as_py()
                con.execute(
                    "insert into file_days values (?, ?, ?, ?, null)",
                    [file_id, day, pq.ParquetFile(path).metadata.num_rows, devices],
                )
                counts["days"] += 1
    if counts["landed"]:
        rebuilt.restored.append(
            f"{counts['landed']} landed file(s) from landing/ (checksummed "
            "again; the next night ingests again those whose days' keys are "
            "all there: the same events, exact counts)"
        )
    if counts["purged"]:
        rebuilt.restored.append(
            f"{counts['purged']} file(s) from their staged events alone: the "
            "raw file was already purged, its name and checksum are unknown"
        )
    if counts["days"]:
        rebuilt.restored.append(
            f"{counts['days']} file day(s) from staged events (their share of randomised MACs is unknown)"
        )


def _file_row(
    settings: Settings, con, file_id: str, raw: Path | None, events: dict, rebuilt: Rebuilt
) -> bool:
    quarantine = settings.quarantine / f"{file_id}.parquet"
    reasons = {}
    if quarantine.exists():
        table = pq.read_table(quarantine, columns=["reason"])
        reasons = {r["values"]: r["counts"] for r in pc.value_counts(table["reason"]).to_pylist()}
    stamps = [p.stat().st_mtime for p in events.values()] + (
        [quarantine.stat().st_mtime] if quarantine.exists() else []
    )
    ingested = datetime.fromtimestamp(max(stamps), UTC) if stamps else None
    if raw is not None and all(pseudonym.has_key(settings.keystore, day) for day in events):
        ingested = None  # its raw file and keys are there: ingesting it again restores it exactly
    if raw is not None:
        sha = lake.sha256_file(raw)
        if sha[:16] != file_id:
            rebuilt.not_restored.append(
                f"landing/{file_id}/{raw.name}: its content no longer "
                "matches its id (damaged): restore it or delete it"
            )
            return False
        row = [
            file_id,
            sha,
            safe_name(raw.name),
            raw.stat().st_size,
            formats.year_hint(raw, None, settings.zone),
            datetime.fromtimestamp(raw.stat().st_mtime, UTC),
            None,
        ]
    else:
        first = min(events) if events else None
        row = [file_id, "", "(unknown: raw file purged)", 0, first, ingested, datetime.now(UTC)]
    con.execute(
        "insert into files (file_id, sha256, name, bytes, year_hint, landed_at, purged_at, "
        "ingested_at, quarantined) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*row, ingested, sum(reasons.values()) if ingested else None],
    )
    for reason, n in reasons.items():
        con.execute("insert or replace into file_quarantine values (?, ?, ?)", [file_id, reason, n])
    return True


def _days(settings: Settings, con, rebuilt: Rebuilt) -> None:
    """Day status from the marts (built), the staged events (to build) and the tombstones."""
    status = {
        r[0]: r[1:] for r in con.execute("select day, built_at, key_destroyed_at from day_status").fetchall()
    }
    built = _partition_days(settings.marts / "footfall_daily")
    restored = 0
    for day, files in built.items():
        if status.get(day, (None,))[0] is None:
            stamp = datetime.fromtimestamp(files[0].stat().st_mtime, UTC)
            con.execute(
                "insert into day_status (day, needs_build, built_at) values (?, false, ?) "
                "on conflict (day) do update set built_at = excluded.built_at",
                [day, stamp],
            )
            restored += 1
    for day in sorted(set(_partition_days(settings.events)) - set(built) - set(status)):
        catalog.mark_days(con, [day])  # events not built yet: the day's night builds them
        restored += 1
    if restored:
        rebuilt.restored.append(
            f"the status of {restored} day(s) from their marts and staged "
            "events (retention destroys their keys and purges their raw files "
            "on time again)"
        )
    lost = pseudonym.lost_keys(settings.keystore, data_days(settings))
    for day in lost:
        pseudonym.close_day(settings.keystore, day)
    if lost:
        rebuilt.restored.append(
            f"closed {len(lost)} day(s) whose keys were lost ({', '.join(map(str, lost[:5]))}"
            f"{' ...' if len(lost) > 5 else ''}): tombstones written, their late records are "
            "quarantined"
        )
    tombstones = (
        {date.fromisoformat(p.name[:10]): p for p in settings.keystore.glob("*.destroyed")}
        if settings.keystore.is_dir()
        else {}
    )
    for day, path in tombstones.items():
        stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        con.execute(
            "update day_status set key_destroyed_at = ? where day = ? and key_destroyed_at is null",
            [stamp, day],
        )


def _releases(settings: Settings, con, rebuilt: Rebuilt) -> None:
    """Releases from published/<quarter>/ and the zip beside it."""
    known = {r[0] for r in con.execute("select release from releases").fetchall()}
    restored = []
    for folder in sorted(settings.published.glob("FY*")) if settings.published.is_dir() else []:
        archive = folder.with_suffix(".zip")
        if (
            folder.is_dir()
            and folder.name not in known
            and archive.exists()
            and (folder / "manifest.json").exists()
        ):
            json.loads((folder / "manifest.json").read_text(encoding="utf-8"))  # a whole release
            con.execute(
                "insert into releases values (?, ?, ?, ?)",
                [
                    folder.name,
                    lake.sha256_file(archive),
                    datetime.fromtimestamp(archive.stat().st_mtime, UTC),
                    str(folder),
                ],
            )
            restored.append(folder.name)
    if restored:
        rebuilt.restored.append(f"release(s) {', '.join(restored)} from published/")
