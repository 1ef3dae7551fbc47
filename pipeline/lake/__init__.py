"""The thin layer that reads and writes the lake: atomic Parquet, DuckDB connections, SQL files."""

from __future__ import annotations

import errno
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import Settings
from pipeline.lake import faults, sweep
from pipeline.lake.atomic import (
    commit,
    exchange,
    record_sha256,
    recorded_sha256,
    sha256_file,
    sidecar,
)
from pipeline.lake.sql import query, run, sql_path, sql_text

# Fixed writer settings (a rerun writes the same bytes); page checksums let a corrupt page be found,
# and each file of a day partition has its whole-file sha256 beside it (<name>.sha256, written
# before the file is renamed into place), so that damage anywhere, footer included, is found.
ROW_GROUP_ROWS = 256_000
PARQUET_OPTIONS = dict(
    compression="zstd", compression_level=3, row_group_size=ROW_GROUP_ROWS, write_page_checksum=True
)

# No space on the device, a quota, a file-size limit: the machine refused a write, not the data.
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_DISK_FULL_TEXTS = (
    "No space left on device",
    "File too large",
    "Disk quota exceeded",
    *(f'"errno":"{n}"' for n in DISK_FULL_ERRNOS),
)


class DiskFullError(RuntimeError):
    """A write was refused for want of space; nothing partial was kept."""


def is_disk_full(error: BaseException) -> bool:
    """Whether an error from Python, pyarrow or DuckDB is a refused write (full disk, quota, limit)."""
    if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
        return True
    return isinstance(error, (OSError, duckdb.Error)) and any(t in str(error) for t in _DISK_FULL_TEXTS)


@contextmanager
def disk_guard(what: str, home: Path) -> Iterator[None]:
    """Turn a refused write into a DiskFullError that says what stopped and what to do.

    The message never quotes the original error, which may carry a line of a raw log."""
    try:
        yield
    except (OSError, duckdb.Error) as error:
        if not is_disk_full(error):
            raise
        try:
            free = f"{shutil.disk_usage(home).free / 1e6:,.0f} MB free"
        except OSError:
            free = "free space unknown"
        raise DiskFullError(
            f"{what} stopped: a write under {home} was refused (disk full, quota or file-size "
            f"limit; {free}). Nothing partial was kept: free space, then run it again."
        ) from None


_DATABASES: dict[tuple, duckdb.DuckDBPyConnection] = {}
_KEPT = 4  # databases kept per process (one per settings used: tests use many)
_STARTING = threading.Lock()


def connect(settings: Settings, *, spill: bool = True) -> duckdb.DuckDBPyConnection:
    """A connection to an in-memory DuckDB with bounded memory, UTC session time and the SQL
    macros: a fresh cursor (its own temp tables, views and variables, gone when it is closed)
    on a database kept for the process, since starting a DuckDB costs some 15 ms.

    spill=False: a database without temporary files, used while raw MACs are in memory, so that
    they never reach the disk through DuckDB's spill directory.
    """
    key = (os.getpid(), settings.threads, settings.memory_limit, str(settings.spill) if spill else None)
    with _STARTING:  # per process (a DuckDB must not cross a fork); threads share it
        if key not in _DATABASES:
            if len(_DATABASES) >= _KEPT:  # forget the oldest: it closes when its cursors are gone
                del _DATABASES[next(iter(_DATABASES))]
            _DATABASES[key] = _start(settings, spill)
    con = _DATABASES[key].cursor()
    # stdout belongs to the commands (`footfall parse` prints CSV there)
    con.execute("set enable_progress_bar = false")
    con.execute("set TimeZone = 'UTC'")
    return con


def _start(settings: Settings, spill: bool) -> duckdb.DuckDBPyConnection:
    database = duckdb.connect(
        config={
            "threads": settings.threads,
            "memory_limit": settings.memory_limit,
            # nothing downloads at run time
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
    )
    if spill:
        settings.spill.mkdir(parents=True, exist_ok=True)
        database.execute("set temp_directory = ?", [str(settings.spill)])
    else:
        database.execute("set temp_directory = ''")
    database.execute(sql_text("lake/macros"))
    return database


class ParquetStream:
    """A Parquet file written as its rows arrive (tables or record batches, in order), in row
    groups of exactly PARQUET_OPTIONS["row_group_size"] rows: the bytes depend on the rows only,
    not on how they were batched. Atomic: `close` puts the file in place (a file only when it
    got rows), `abort` (or an error inside `with`) leaves nothing. checksum: record the file's
    sha256 beside it (default: when it lies in a day partition)."""

    def __init__(self, path: Path, checksum: bool | None = None):
        self.path, self.rows, self.checksum = path, 0, checksum
        self._tmp: Path | None = None
        self._writer: pq.ParquetWriter | None = None
        self._pending: list[pa.RecordBatch] = []
        self._held = 0
        self._size = ROW_GROUP_ROWS

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        batches = data.to_batches() if isinstance(data, pa.Table) else [data]
        for batch in batches:
            self._pending.append(batch)
            self._held += batch.num_rows
            while self._held >= self._size:
                table = pa.Table.from_batches(self._pending)
                self._group(table.slice(0, self._size))
                self._pending, self._held = table.slice(self._size).to_batches(), self._held - self._size

    def _group(self, table: pa.Table) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._tmp = sweep.temp_name(self.path)
            options = {k: v for k, v in PARQUET_OPTIONS.items() if k != "row_group_size"}
            self._writer = pq.ParquetWriter(self._tmp, table.schema, **options)
        assert self._writer is not None  # opened just above on the first group
        self._writer.write_table(table.combine_chunks(), row_group_size=self._size)
        self.rows += table.num_rows

    def close(self) -> int:
        """Write what is held and put the file in place; the rows written."""
        try:
            if self._held:
                self._group(pa.Table.from_batches(self._pending))
                self._pending, self._held = [], 0
            if self._writer is not None:
                self._writer.close()
                self._writer = None
                assert self._tmp is not None  # named when the writer was opened
                commit(self._tmp, self.path, self.checksum)
        finally:
            self.abort()  # after the rename: nothing left to remove
        return self.rows

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if kind is None:
            self.close()
        else:
            self.abort()


def write_parquet(
    table: pa.Table, path: Path, sort_by: list[str] | None = None, checksum: bool | None = None
) -> Path:
    """Write a table atomically (temp name, fsync, rename) with fixed writer settings; its
    checksum beside it when it lies in a day partition (or `checksum` says so)."""
    if sort_by:
        table = table.sort_by([(c, "ascending") for c in sort_by])
    # one chunk per column: pages would otherwise follow how the rows happened to be batched
    table = table.combine_chunks()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = sweep.temp_name(path)
    try:
        pq.write_table(table, tmp, **PARQUET_OPTIONS)
        commit(tmp, path, checksum)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_bytes(data: bytes, path: Path) -> Path:
    """Write a file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = sweep.temp_name(path)
    try:
        tmp.write_bytes(data)
        faults.point("rename.bytes")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def replace_partition(
    root: Path, day: date, files: dict[str, pa.Table], sort_by: list[str] | None = None
) -> Path:
    """Replace a whole day partition: build it aside (each file with its checksum), then swap it
    in at once (an atomic exchange where the filesystem has one: a reader sees the old partition
    or the new, never none; else two renames, which the sweep rolls back if cut in half)."""
    final = root / f"day={day.isoformat()}"
    staging = sweep.temp_name(final)
    try:
        for name, table in files.items():
            write_parquet(table, staging / name, sort_by, checksum=True)
        faults.point("rename.partition")
        if not final.exists():
            os.replace(staging, final)
        elif not exchange(staging, final):  # exchanged: staging holds the old one, removed below
            old = sweep.temp_name(final, "old")
            os.replace(final, old)
            faults.point("rename.partition")
            os.replace(staging, final)
            shutil.rmtree(old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


def landed(settings: Settings, file_id: str) -> Path | None:
    """The raw file landed under an id (the one file of landing/<file_id>/, kept under the name it
    was delivered under, which the catalog shows masked), or None."""
    folder = settings.landing / file_id
    files = sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []
    return files[0] if files else None


def committed(folder: Path) -> list[Path]:
    """The Parquet files in place in a folder, sorted: never a temp file (dot names)."""
    return sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))


def day_files(root: Path, day: date) -> list[str]:
    """The Parquet files of one day partition, sorted (empty when the day has none)."""
    return [str(p) for p in committed(root / f"day={day.isoformat()}")]


def read_days(
    con: duckdb.DuckDBPyConnection, root: Path, first: date, last: date, schema: pa.Schema
) -> pa.Table:
    """The day partitions first..last of a table with their `day`, or an empty table of `schema`."""
    files = range_files(root, first, last)
    if not files:
        return schema.empty_table()
    columns = ", ".join(f'"{name}"' for name in schema.names)
    return (
        con.sql(f"select {columns} from read_parquet(?, hive_partitioning = true)", params=[files])
        .to_arrow_table()
        .cast(schema)
    )


def range_files(root: Path, first: date, last: date) -> list[str]:
    """The Parquet files of the day partitions first..last, sorted."""
    out: list[str] = []
    for part in sorted(root.glob("day=*")):
        if first.isoformat() <= part.name[4:] <= last.isoformat():
            out.extend(str(p) for p in committed(part))
    return out
