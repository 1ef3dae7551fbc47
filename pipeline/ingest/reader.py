"""Landing and ingestion: raw files in, canonical pseudonymised events and quarantine out.

Raw MACs exist only in landing/ and in the memory of `ingest_file` (a DuckDB without a spill
directory): a file is read block by block, each block's MACs are replaced by their day's
pseudonym before its events are written, and the distinct MACs of the file (far fewer than its
lines) are held until the file is done, so that a MAC in two blocks is pseudonymised once.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import threading
import time
import zlib
from contextlib import contextmanager
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline import lake
from pipeline.ingest import formats, optout, pseudonym
from pipeline.lake import catalog, faults, locks, sweep
from pipeline.ingest.masking import mask_macs, safe_name
from pipeline.config import Settings
from pipeline.ingest.registry import Registry, registry_for

log = logging.getLogger(__name__)
_RECORDING = threading.Lock()  # files ingested at once record in the catalog one at a time

# The canonical event (staged/events/day=YYYY-MM-DD/<file_id>.parquet): the data contract.
EVENT_SCHEMA = pa.schema(
    [
        ("ts", pa.timestamp("us", tz="UTC")),
        ("ap_id", pa.string()),
        ("device", pa.uint64()),  # HMAC pseudonym of the MAC under the service day's key
        ("kind", pa.string()),  # start | stop | interim | assoc | disassoc | seen
        ("rssi", pa.int16()),
        ("duration_s", pa.int32()),
        ("source", pa.string()),
        ("file_id", pa.string()),
        ("record", pa.int64()),
    ]
)


class IngestError(RuntimeError):
    """A file could not be read, or had too many unusable records; the message is masked and
    names the files."""


class MemoryLimitError(RuntimeError):
    """A block of a file (with the file's distinct MACs) did not fit in FOOTFALL_MEMORY_LIMIT: the
    machine, not the file (it stays pending)."""


@dataclass(frozen=True)
class FileResult:
    """What one file gave: usable events per service day, quarantined records by reason, and
    ignored records (other programs' lines, other event types, empty lines) by program / type."""

    file_id: str
    fmt: str
    records: int
    events_by_day: dict
    quarantined: dict
    ignored: int
    devices_by_day: dict  # day -> (distinct MACs, of which randomised)
    opted_out: int = 0  # records of devices on the opt-out denylist, dropped
    ignored_by: dict = field(default_factory=dict)  # "program" or "program type" -> records


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


def land(
    settings: Settings,
    paths: list[Path],
    year_hint: date | None = None,
    move: bool = False,
    night: date | None = None,
) -> list[str]:
    """Copy files into landing/ under their content hash; a file seen before is skipped.

    move=True (the inbox): each file is first claimed, renamed to a name of this process alone,
    so that any number of nights can land at once and each file goes to one of them; it is
    removed once landed. night: the day of the night that lands the inbox, the year hint of a
    file with no date in its name. Nothing partial is kept on any failure, a full disk included:
    the copy is removed and a claimed file goes back to the inbox. Returns the newly landed ids.
    """
    landed = []
    for path in map(Path, paths):
        hint = year_hint or formats.day_in_name(path.name) or night
        source = _claim(path) if move else path
        if source is None:
            log.info("skip %s: another run is landing it", safe_name(path.name))
            continue
        try:
            file_id = _land_one(settings, source, path.name, hint, move)
        except BaseException:
            if move and not path.exists():
                os.replace(source, path)  # back to the inbox, for the next night
            raise
        if file_id:
            landed.append(file_id)
    return landed


def _claim(path: Path) -> Path | None:
    """Rename an inbox file to a name of this process (one night wins it), or None."""
    claimed = sweep.temp_name(path, "claim")
    try:
        faults.point("rename.claim")
        os.replace(path, claimed)
    except FileNotFoundError:
        return None
    return claimed


def _copy_hashed(source: Path, target: Path) -> tuple[str, int]:
    """Copy a file (by the kernel) and sync it, then hash the copy (what is landed is what is
    checksummed): its sha256 and size."""
    shutil.copyfile(source, target)
    with open(target, "rb") as copy:
        os.fsync(copy.fileno())
    return lake.sha256_file(target), target.stat().st_size


def _land_one(settings: Settings, source: Path, name: str, hint: date | None, move: bool) -> str | None:
    """Land one file; its id when it is new (or failed before and is retried), else None."""
    settings.landing.mkdir(parents=True, exist_ok=True)
    tmp = sweep.temp_name(settings.landing / name)
    try:
        sha, size = _copy_hashed(source, tmp)
        with locks.named_lock(settings, f"file={sha[:16]}"), catalog.connect(settings) as con:
            new = _record_landing(settings, con, tmp, source, name, (sha, size, hint))
    finally:
        tmp.unlink(missing_ok=True)
    if move:
        source.unlink()
    return sha[:16] if new else None


def _record_landing(settings: Settings, con, tmp: Path, source: Path, name: str, what) -> bool:
    """Record a landed copy and put it in place (the row first: a kill in between leaves a row
    without its file, which the next landing of the same content, back in the inbox, mends).
    True when the file is new or failed before (landing it again retries it)."""
    sha, size, hint = what
    file_id = sha[:16]
    row = next(
        iter(con.execute("select name, error, purged_at from files where file_id = ?", [file_id]).fetchall()),
        None,
    )
    if row is None:
        con.execute(
            "insert into files (file_id, sha256, name, bytes, year_hint, landed_at) "
            "values (?, ?, ?, ?, ?, ?)",
            [
                file_id,
                sha,
                safe_name(name),
                size,
                formats.year_hint(source, hint, settings.zone),
                catalog.now(),
            ],
        )
    target = settings.landing / file_id / name
    if row is None or (row[2] is None and lake.landed(settings, file_id) is None):
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            faults.point("rename.landing")
            os.replace(tmp, target)
        except BaseException:
            if row is None:
                con.execute("delete from files where file_id = ?", [file_id])
            raise
    if row is not None and row[1] is not None:
        con.execute("update files set error = null where file_id = ?", [file_id])
    elif row is not None:
        log.info("skip %s: already landed as %s", name, file_id)
    return row is None or row[1] is not None


def _pseudonymise(con, day: date, key: bytes, optout: dict | None = None) -> None:
    """Add the day's MACs of this block not seen in an earlier block to the table pseudonyms;
    a MAC on the opt-out denylist (table optout_hashes) gets none, so none of its records is staged."""
    denied = (
        " and pseudonym(r.mac, $opt_ipad, $opt_opad) not in (select hash from optout_hashes)"
        if optout
        else ""
    )
    con.execute(
        "insert into pseudonyms select distinct r.day, r.mac, pseudonym(r.mac, $ipad, $opad) "
        "from resolved as r anti join pseudonyms as p on p.day = r.day and p.mac = r.mac "
        "where r.reason is null and r.day = $day" + denied,
        {"day": day, **pseudonym.hmac_pads(key), **(optout or {})},
    )


def _stage_blocks(
    con,
    settings: Settings,
    registry: Registry,
    path: Path,
    fmt: str,
    hint: date,
    key_for,
    events_sql: str,
    params: dict,
    emit,
    quarantine=None,
    optout=None,
) -> dict:
    """Read a file block by block: each block's usable records, pseudonymised under key_for(day)
    (None: the day's key is destroyed, its records are quarantined), go to emit(day, events) as
    the Arrow result of sql/<events_sql>.sql; quarantined records to quarantine(rows); records of
    devices on the opt-out denylist (optout.denylist) are dropped and counted.
    Returns the file's counts: records, ignored, quarantined by reason, devices by day, opted out."""
    con.execute("create temp table pseudonyms (day date, mac ubigint, device ubigint)")
    keys: dict[date, bytes] = {}
    reasons: Counter[str] = Counter()
    ignored_by: Counter[str] = Counter()
    records, opted_out = 0, 0
    if optout:
        con.register("optout_hashes", optout[0])
    for _ in formats.resolve_blocks(con, settings, registry, path, fmt, hint):
        days = [
            d
            for (d,) in con.execute(
                "select distinct day from resolved where reason is null order by day"
            ).fetchall()
        ]
        for day in days:
            if day not in keys:
                keys[day] = key_for(day)
        closed = [day for day in days if keys[day] is None]
        if closed:  # a late file for a closed day: its records are quarantined, aggregates stay
            con.execute(
                "update resolved set reason = 'key_destroyed', "
                "ap_label = coalesce(ap_label, ap_id) "
                "where reason is null and list_contains(?, day)",
                [closed],
            )
        for day in days:
            if keys[day] is not None:
                _pseudonymise(con, day, keys[day], optout and optout[1])
                emit(day, lake.query(con, events_sql, {**params, "day": day}))
        if optout:  # usable records left without a pseudonym: those of opted-out devices
            opted_out += con.execute(
                "select count(*) from resolved as r anti join pseudonyms as p "
                "on p.day = r.day and p.mac = r.mac where r.reason is null"
            ).fetchall()[0][0]
            opted_out += _drop_opted_out(con, optout[1])
        if quarantine is not None:
            rows = lake.query(con, "ingest/staging/quarantine", params)
            if rows.num_rows:
                quarantine(rows)
        records += _count_block(con, reasons, ignored_by)
    # locally administered (randomised) MACs: bit 1 of the first octet; counted, never stored
    devices = {
        day: (n, randomised)
        for day, n, randomised in con.execute(
            "select day, count(*), count(*) filter ((mac >> 40) & 2 = 2) from pseudonyms group by day"
        ).fetchall()
    }
    return {
        "records": records,
        "ignored": sum(ignored_by.values()),
        "devices": devices,
        "quarantined": dict(sorted(reasons.items())),
        "ignored_by": _top(ignored_by),
        "opted_out": opted_out,
    }


_OPTED_OUT_REJECTS = (
    "from resolved where reason is not null and reason not in ('ignored', 'empty_line', 'opted_out') "
    "and mac is not null and pseudonym(mac, $opt_ipad, $opt_opad) in (select hash from optout_hashes)"
)


def _drop_opted_out(con, pads: dict) -> int:
    """Records of opted-out devices that would be quarantined (an unknown AP, a bad time) are
    dropped and counted too: an opted-out device leaves no trace (found by an outside audit)."""
    n = con.execute("select count(*) " + _OPTED_OUT_REJECTS, pads).fetchall()[0][0]
    if n:
        con.execute(
            "update resolved set reason = 'opted_out' where record in (select record "
            + _OPTED_OUT_REJECTS
            + ")",
            pads,
        )
    return n


IGNORED_KINDS = 40  # the programs / types of ignored lines named per file; the rest are "other"


def _count_block(con, reasons: Counter, ignored_by: Counter) -> int:
    """Add the block's quarantined records by reason and ignored ones by program / type;
    returns its number of records."""
    records = 0
    for reason, program, event, n in con.execute(
        # usable records only counted: grouping them by program and type would cost every line
        "select reason, program, event, count(*) from resolved where reason is not null "
        "group by all union all select null, null, null, count(*) from resolved where reason is null "
        "union all select reason, program, null, n from ignored_lines"
    ).fetchall():
        records += n
        if reason == "opted_out":
            continue  # counted as opted out, neither ignored nor quarantined
        if reason == "empty_line":
            ignored_by["empty line"] += n
        elif reason == "ignored":
            label = " ".join(filter(None, (program or "other", event)))
            ignored_by[mask_macs(label)[:60]] += n
        elif reason is not None:  # quarantined
            reasons[reason] += n
    return records


def _top(counts: Counter) -> dict:
    """The most frequent IGNORED_KINDS labels, the rest summed as "other"."""
    top = dict(counts.most_common(IGNORED_KINDS))
    rest = sum(counts.values()) - sum(top.values())
    if rest:
        top["other"] = top.get("other", 0) + rest
    return dict(sorted(top.items()))


@contextmanager
def _reading(settings: Settings, label: str, fmt: str):
    """A DuckDB without spill for a file's raw MACs; its errors become masked IngestErrors."""
    con = lake.connect(settings, spill=False)
    try:
        yield con
    except duckdb.Error as error:
        if lake.is_disk_full(error):
            raise  # the machine, not the file: the file stays pending (stages word the error)
        if isinstance(error, duckdb.OutOfMemoryException):
            raise MemoryLimitError(
                f"{label} did not fit in FOOTFALL_MEMORY_LIMIT={settings.memory_limit} (raw MACs are "
                "never spilled to disk: a block of the file and the file's distinct MACs are held in "
                "memory, for FOOTFALL_INGEST_FILES files at once): raise the limit or ingest fewer "
                "files at once; the file stays pending."
            ) from None
        # DuckDB quotes the offending line in its messages: mask it and drop the chained original.
        raise IngestError(f"{label} could not be read as {fmt}: {mask_macs(str(error))}") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise IngestError(
            f"{label} could not be read: the gzip stream is truncated or damaged "
            f"({type(error).__name__}); records before the damage were not kept"
        ) from None
    finally:
        con.close()


def ingest_file(
    settings: Settings,
    registry: Registry,
    file_id: str,
    path: Path,
    fmt: str | None = None,
    hint: date | None = None,
) -> FileResult:
    """Parse one landed file into staged events (one Parquet per service day it touches)."""
    fmt = fmt or formats.detect(path)
    hint = formats.year_hint(path, hint, settings.zone)
    with _reading(settings, f"{safe_name(path.name)} (file {file_id})", fmt) as con:
        return _ingest_file(con, settings, registry, file_id, path, fmt, hint)


def _ingest_file(
    con, settings: Settings, registry: Registry, file_id: str, path: Path, fmt: str, hint: date
) -> FileResult:
    def key_for(day):
        try:
            return pseudonym.day_key(settings.keystore, day)
        except pseudonym.KeyDestroyedError:
            return None

    events = {}  # day -> its Parquet, written as blocks arrive and put in place at the end
    quarantine = lake.ParquetStream(settings.quarantine / f"{file_id}.parquet")

    def emit(day, table):
        if day not in events:
            events[day] = lake.ParquetStream(
                settings.day_partition(settings.events, day) / f"{file_id}.parquet"
            )
        events[day].write(table)

    with _RECORDING:  # files ingested at once read the catalog one at a time, too
        denylist = optout.denylist(settings)
    try:
        counts = _stage_blocks(
            con,
            settings,
            registry,
            path,
            fmt,
            hint,
            key_for,
            "ingest/staging/events",
            {"file_id": file_id},
            emit,
            quarantine.write,
            denylist,
        )
        by_day = {day: out.close() for day, out in sorted(events.items())}
        quarantine.close()
    finally:
        for out in [*events.values(), quarantine]:
            out.abort()  # after an error: no partial file (after close: nothing left to do)
    by_day = {day: n for day, n in by_day.items() if n}
    return FileResult(
        file_id,
        fmt,
        counts["records"],
        by_day,
        counts["quarantined"],
        counts["ignored"],
        {day: counts["devices"][day] for day in by_day},
        counts["opted_out"],
        counts["ignored_by"],
    )


def parse_file(
    settings: Settings, registry: Registry, path: Path, fmt: str | None, hint: date | None, key: bytes
) -> tuple[pa.Table, dict]:
    """Parse one file without landing it: its events (pseudonyms under `key`) and its counts
    (records, quarantined by reason, ignored by program / type). Nothing is written anywhere."""
    fmt = fmt or formats.detect(path)
    parts = []
    with _reading(settings, safe_name(path.name), fmt) as con:
        counts = _stage_blocks(
            con,
            settings,
            registry,
            path,
            fmt,
            formats.year_hint(path, hint, settings.zone),
            lambda day: key,
            "ingest/staging/parse_output",
            {},
            lambda day, table: parts.append(table),
        )
        if not parts:  # nothing usable: no rows, the same columns
            parts.append(lake.query(con, "ingest/staging/parse_output", {"day": None}))
    events = pa.concat_tables(parts).combine_chunks()
    return events.sort_by([("record", "ascending"), ("ts", "ascending"), ("device", "ascending")]), {
        **counts,
        "format": fmt,
    }


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


def _record(settings: Settings, result: FileResult) -> None:
    with catalog.connect(settings) as con:
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
    try:
        registry = registry or registry_for(settings, hint)
        result = ingest_file(settings, registry, file_id, path, hint=hint)
    except (IngestError, formats.UnknownFormatError) as error:
        with _RECORDING, catalog.connect(settings) as con:
            con.execute("update files set error = ? where file_id = ?", [str(error), file_id])
        raise IngestError(str(error)) from None
    with _RECORDING:
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
            f"in {settings.quarantine}"
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
            + ". Fix the source or the registry, then land the file again."
        )
    return Ingested(
        len(done),
        sum(f.records for f in done),
        sum(f.events for f in done),
        sum(f.quarantined for f in done),
        sorted({d for f in done for d in f.days}),
    )
