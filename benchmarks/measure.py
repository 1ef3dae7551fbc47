"""What the benchmarks share: the floor, and code run in a fresh process that reports itself.

The floor is the least any ingest must do: DuckDB reading every line of the raw files once. The
lines' lengths are summed, not only counted: a bare count(*) lets DuckDB skip materialising the
text, which no parser can.

The write bound is the least any ingest must do that also writes what ingest writes: DuckDB
reading the lines and writing one canonical event per line (the columns of staged/events, made
up from a hash of the line, nothing parsed) to a Parquet file with the lake's compression.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb

FLOOR_SQL = (
    "select count(*), sum(length(line)) from read_csv(?, columns = {'line': 'VARCHAR'}, "
    "header = false, delim = E'\\x1f', quote = '', escape = '', auto_detect = false, "
    "compression = 'auto')"
)
BOUND_SQL = """
copy (
    select
        timestamptz '2024-04-01 00:00:00+00' + to_seconds(h % 86400) as ts,
        'AP-' || (h % 100) as ap_id,
        h as device,
        'assoc' as kind,
        cast(h % 90 as smallint) as rssi,
        cast(null as integer) as duration_s,
        'bench' as source,
        'bench' as file_id,
        cast(h >> 32 as bigint) as record
    from (select hash(line) as h from read_csv(?, columns = {'line': 'VARCHAR'}, header = false,
          delim = E'\\x1f', quote = '', escape = '', auto_detect = false, compression = 'auto'))
) to '{out}' (format parquet, compression zstd, compression_level 3)
"""
# A Python expression for the memory high-water mark of the process itself (VmHWM), in MB:
# ru_maxrss would also count the parent's pages a child held between fork and exec.
HWM = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024"


def floor_seconds(paths: list[Path]) -> tuple[float, int]:
    """Seconds DuckDB takes to read the files' lines, and how many lines there are."""
    con = duckdb.connect(config={"threads": 2})
    con.execute("set enable_progress_bar = false")
    started = time.perf_counter()
    lines = sum(con.execute(FLOOR_SQL, [str(path)]).fetchall()[0][0] for path in paths)
    return time.perf_counter() - started, lines


def bound_seconds(path: Path, out: Path) -> float:
    """Seconds DuckDB takes to read the file's lines and write one event-shaped row per line to
    the Parquet file `out` (the write bound)."""
    con = duckdb.connect(config={"threads": 2})
    con.execute("set enable_progress_bar = false")
    started = time.perf_counter()
    con.execute(BOUND_SQL.replace("{out}", str(out)), [str(path)])  # COPY takes no bound target
    return time.perf_counter() - started


def run_child(code: str, *args: str, env: dict | None = None) -> dict:
    """Run code in a fresh Python; the JSON object it prints last (it times itself and adds
    peak_mb from HWM). Its error output, if it fails."""
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{args}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
