"""Ingesting the pending landed files: each one read (pipeline.ingest.reader) with the registry
in force on its day, FOOTFALL_INGEST_FILES at once, and recorded in the catalog."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline import lake
from pipeline.config import Settings
from pipeline.ingest import formats
from pipeline.ingest.masking import safe_name
from pipeline.ingest.reader import RECORDING, FileResult, IngestError, ingest_file
from pipeline.ingest.registry import Registry, registry_for
from pipeline.lake import catalog
from pipeline.lake.atomic import sidecar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestedFile:
    """What ingesting one landed file staged (done: it had been ingested before: nothing to do)."""

    file_id: str
    records: int = 0
    events: int = 0
    quarantined: int = 0
    days: list[str] = field(default_factory=list)  # service days it held events of, ISO
    done: bool = False


@dataclass(frozen=True)
class Ingested:
    """What ingesting every pending landed file staged, in total."""

    files: int = 0
    records: int = 0
    events: int = 0
    quarantined: int = 0
    days: list[str] = field(default_factory=list)


def pending_files(settings: Settings) -> list[tuple[str, Path, date]]:
    """Landed files not ingested yet, oldest first: (file_id, path, year hint)."""
    with catalog.connect(settings) as con:
        rows = con.execute(
            "select file_id, name, year_hint from files where ingested_at is null and error is null "
            "order by landed_at, file_id"
        ).fetchall()
    return [
        (file_id, lake.landed(settings, file_id) or settings.landing / file_id / name, hint)
        for file_id, name, hint in rows
    ]


def _quarantine_rate(result: FileResult) -> float:
    quarantined = sum(result.quarantined.values())
    usable = result.records - result.ignored
    return quarantined / usable if usable else 0.0


def _drop_stale(settings: Settings, con, result: FileResult) -> list[date]:
    """What an earlier reading of the file staged and this one did not (a file read again under a
    fixed registry): its events of days it no longer holds, its quarantine when none is left,
    and its rows of counts. The days it held events of before."""
    before = [
        row[0]
        for row in con.execute("select day from file_days where file_id = ?", [result.file_id]).fetchall()
    ]
    for day in set(before) - set(result.events_by_day):
        stale = settings.day_partition(settings.events, day) / f"{result.file_id}.parquet"
        stale.unlink(missing_ok=True)
        sidecar(stale).unlink(missing_ok=True)
    if not result.quarantined:
        (settings.quarantine / f"{result.file_id}.parquet").unlink(missing_ok=True)
    for table in ("file_days", "file_quarantine", "file_ignored"):
        con.execute(f"delete from {table} where file_id = ?", [result.file_id])
    return before


def _record(settings: Settings, result: FileResult) -> None:
    with catalog.connect(settings) as con:
        catalog.mark_days(con, _drop_stale(settings, con, result))
        for day, n in result.events_by_day.items():
            con.execute(
                "insert or replace into file_days values (?, ?, ?, ?, ?)",
                [result.file_id, day, n, *result.devices_by_day[day]],
            )
        catalog.mark_days(con, list(result.events_by_day))
        for reason, n in result.quarantined.items():
            con.execute(
                "insert or replace into file_quarantine values (?, ?, ?)", [result.file_id, reason, n]
            )
        for program, n in result.ignored_by.items():
            con.execute("insert or replace into file_ignored values (?, ?, ?)", [result.file_id, program, n])
        con.execute(
            "update files set ingested_at = ?, format = ?, records = ?, quarantined = ?, "
            "ignored = ?, opted_out = ? where file_id = ?",
            [
                catalog.now(),
                result.fmt,
                result.records,
                sum(result.quarantined.values()),
                result.ignored,
                result.opted_out,
                result.file_id,
            ],
        )


def ingest_one(
    settings: Settings, file_id: str, path: Path, hint: date, registry: Registry | None = None
) -> IngestedFile:
    """Ingest one pending landed file with the registry in force on its day and record it.

    Raises IngestError when it cannot be read (recorded, retried when landed again) or when its
    quarantined share passes the policy (its good records are staged all the same)."""
    started = time.monotonic()
    formats.load_sources(settings.sources)  # a wrong sources file is the settings, not this file
    with RECORDING, catalog.connect(settings) as con:
        forced = con.execute("select forced_format from files where file_id = ?", [file_id]).fetchall()
    try:
        registry = registry or registry_for(settings, hint)
        result = ingest_file(settings, registry, file_id, path, forced[0][0] if forced else None, hint)
    except (IngestError, formats.UnknownFormatError) as error:
        with RECORDING, catalog.connect(settings) as con:
            con.execute("update files set error = ? where file_id = ?", [str(error), file_id])
        raise IngestError(str(error)) from None
    with RECORDING:
        _record(settings, result)
    events = sum(result.events_by_day.values())
    log.info(
        "ingested %s (%s): %d records, %d events, quarantined %s, ignored %s in %.1f s",
        file_id,
        result.fmt,
        result.records,
        events,
        result.quarantined,
        result.ignored_by,
        time.monotonic() - started,
    )
    if not events:
        log.warning(no_events_warning(safe_name(path.name), result.records - result.ignored, result.ignored))
    if _quarantine_rate(result) > settings.max_quarantine_rate:
        raise IngestError(
            f"{safe_name(path.name)} ({file_id}): {_quarantine_rate(result):.0%} of its client "
            f"records quarantined {result.quarantined}, over the limit of "
            f"{settings.max_quarantine_rate:.0%} (FOOTFALL_MAX_QUARANTINE_RATE); its "
            "good records are staged, the quarantined ones (line numbers, reasons) are "
            f"in {settings.quarantine}/{file_id}.parquet; the nights of its days fail until it is "
            f"read again below the limit (`footfall reingest {file_id}`) or accepted "
            f'(`footfall accept {file_id} --reason "..."`)'
        )
    return IngestedFile(
        file_id,
        result.records,
        events,
        sum(result.quarantined.values()),
        sorted(d.isoformat() for d in result.events_by_day),
    )


def no_events_warning(name: str, recognised: int, ignored: int) -> str:
    """What to say of a file that gave no event at all."""
    if recognised:
        return (
            f"{name}: NO EVENT from {recognised} client record(s) it recognised: every one was "
            "quarantined (see the reasons); check the registry and the source's clock"
        )
    return (
        f"{name}: no client event among its {ignored} line(s): only other programs' lines or "
        "event types; check that the controller forwards its client events"
    )


def ingest_pending(settings: Settings) -> Ingested:
    """Ingest every pending landed file, FOOTFALL_INGEST_FILES at a time (a night's big RADIUS
    file alongside the small ones); files that need attention fail the run together, after every
    other file was ingested, each named with what to do."""
    done: list[IngestedFile] = []
    problems = []
    formats.load_sources(settings.sources)  # said once, before any file is read
    pending = pending_files(settings)
    registries: dict[date, Registry] = {}  # files of one day share the registry in force on it
    for _, _, hint in pending:
        if hint not in registries:
            registries[hint] = registry_for(settings, hint)
    pool = ThreadPoolExecutor(max_workers=settings.ingest_files, thread_name_prefix="ingest")
    try:
        runs = [
            pool.submit(ingest_one, settings, file_id, path, hint, registries[hint])
            for file_id, path, hint in pending
        ]
        for run in runs:  # in landing order; a machine error (disk, memory) stops the rest
            try:
                done.append(run.result())
            except IngestError as error:
                problems.append(str(error))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # files not started stay pending
    if problems:
        raise IngestError(
            f"{len(problems)} file(s) need attention: "
            + " | ".join(problems)
            + ". Fix the registry (`footfall registry load`) or the source, then read the file "
            "again: `footfall reingest FILE_ID` (landing the same content again does not)."
        )
    return Ingested(
        len(done),
        sum(f.records for f in done),
        sum(f.events for f in done),
        sum(f.quarantined for f in done),
        sorted({d for f in done for d in f.days}),
    )
