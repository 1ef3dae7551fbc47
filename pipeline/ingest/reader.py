"""Reading one landed file: canonical pseudonymised events and quarantine out.

Raw MACs exist only in landing/ and in the memory of `ingest_file` (a DuckDB without a spill
directory): a file is read block by block, each block's MACs are replaced by their day's
pseudonym before its events are written, and the distinct MACs of the file (far fewer than its
lines) are held until the file is done, so that a MAC in two blocks is pseudonymised once.
"""

from __future__ import annotations

import gzip
import logging
import threading
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import lake
from pipeline.config import Settings
from pipeline.ingest import formats, optout, pseudonym
from pipeline.ingest.blocks import stage_blocks
from pipeline.ingest.masking import safe_ap_name, safe_label, safe_name, safe_text
from pipeline.ingest.registry import Registry

log = logging.getLogger(__name__)
RECORDING = threading.Lock()  # files ingested at once record in the catalog one at a time

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
        raise IngestError(f"{label} could not be read as {fmt}: {safe_text(str(error))}") from None
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
    safe_rows = _safe_quarantine(lambda: key_for(hint))

    def emit(day, table):
        if day not in events:
            events[day] = lake.ParquetStream(
                settings.day_partition(settings.events, day) / f"{file_id}.parquet"
            )
        events[day].write(table)

    with RECORDING:  # files ingested at once read the catalog one at a time, too
        denylist = optout.denylist(settings)
    try:
        counts = stage_blocks(
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
            lambda rows: quarantine.write(safe_rows(rows)),
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
        counts = stage_blocks(
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


def _safe_quarantine(key: Callable[[], bytes | None]) -> Callable[[pa.Table], pa.Table]:
    """What makes a block's quarantined rows safe to keep: each program a safe label, each AP name
    kept when it has an AP name's shape, else a marker and its digest under key() (the key of the
    file's day, asked for only then; None when that key is destroyed: the marker alone)."""
    held: list[bytes | None] = []

    def digest(name: str) -> str | None:
        if not held:
            held.append(key())
        return pseudonym.text_digest(held[0], "ap_name", name) if held[0] else None

    def safe(rows: pa.Table) -> pa.Table:
        for column, rule in (("program", safe_label), ("ap_name", lambda name: safe_ap_name(name, digest))):
            coded = pc.dictionary_encode(rows.column(column)).combine_chunks()  # each value once
            values = pa.array([rule(v) for v in coded.dictionary.to_pylist()], pa.string())
            rows = rows.set_column(
                rows.schema.get_field_index(column), column, pc.take(values, coded.indices)
            )
        return rows

    return safe
