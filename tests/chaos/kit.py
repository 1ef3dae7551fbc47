"""The fault-injection kit: real `footfall` processes stopped at exact steps, full filesystems,
flipped bits, damaged catalogs. Shared by the fast subset (tests/ops/test_faults.py) and the long
suite (`make chaos`, tests/chaos/chaos_*.py).

Two ways to stop a night at an exact step, both a real SIGKILL of a real process:
- FOOTFALL_FAULT=<point>@<n> (pipeline.lake.faults): the n-th rename or key step of the night;
- `replace_killer`: a sitecustomize on the child's path that kills it at the n-th os.replace onto
  a path matching a pattern. It needs no hook in the code under test, so the same test runs
  against an older version of the pipeline (to show that it failed there).
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

from pipeline import lake

FOOTFALL = str(Path(sys.executable).with_name("footfall"))
TEMP = re.compile(r"^\.(tmp|old|claim)-")

KILLER = """
import os, re, signal
_plan = os.environ.get("KILL_AT_REPLACE", "")
if _plan:
    _pattern, _, _n = _plan.rpartition("@")
    _seen = [0]
    _replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if re.search(_pattern, os.fspath(dst)):
            _seen[0] += 1
            if _seen[0] == int(_n):
                os.kill(os.getpid(), signal.SIGKILL)
        return _replace(src, dst, *args, **kwargs)

    os.replace = replace
"""


def env(settings, **extra) -> dict:
    """The environment of a `footfall` child working on this lake."""
    out = {**os.environ, "FOOTFALL_HOME": str(settings.home), "FOOTFALL_KEYSTORE": str(settings.keystore)}
    out.pop("FOOTFALL_FAULT", None)
    out.update({k: str(v) for k, v in extra.items()})
    return out


def replace_killer(folder: Path, pattern: str, n: int = 1) -> dict:
    """Environment entries that kill a child at its n-th os.replace onto a path matching pattern."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(KILLER)
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "KILL_AT_REPLACE": f"{pattern}@{n}"}


def footfall(settings, *args, limit: int | None = None, **extra) -> subprocess.CompletedProcess:
    """Run `footfall ARGS` on the lake in a child process (limit: a file-size limit in bytes,
    which makes a write past it fail as a full disk does)."""
    return subprocess.run(
        [FOOTFALL, *map(str, args)],
        env=env(settings, **extra),
        preexec_fn=file_size_limit(limit) if limit else None,
        capture_output=True,
        text=True,
    )


def start(settings, *args, **extra) -> subprocess.Popen:
    """Start `footfall ARGS` on the lake (to run beside another)."""
    return subprocess.Popen(
        [FOOTFALL, *map(str, args)],
        env=env(settings, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def file_size_limit(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write is an error, not a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def killed(result) -> bool:
    return result.returncode == -signal.SIGKILL


def lake_bytes(settings) -> dict:
    """Every committed Parquet file of the lake's day-partitioned tables, by path."""
    return {
        p.relative_to(settings.home): p.read_bytes()
        for root in (settings.events, settings.visits, settings.trips, settings.marts)
        if root.exists()
        for p in root.rglob("*.parquet")
        if not p.name.startswith(".")
    }


def marts_bytes(settings) -> dict:
    return {
        p.relative_to(settings.marts): p.read_bytes()
        for p in settings.marts.rglob("*.parquet")
        if not p.name.startswith(".")
    }


def leftovers(settings) -> list[Path]:
    """Temp names anywhere in the lake, and half-made keys in the keystore."""
    found = [p for p in settings.home.rglob("*") if TEMP.match(p.name)]
    if settings.keystore.exists():
        found += [p for p in settings.keystore.iterdir() if p.name.startswith(".")]
    return found


def one_line_error(result) -> str:
    """The error of a failed command: exit 1, one line, no traceback."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def flip_bit(path: Path, offset: int, bit: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


def footer_span(path: Path) -> range:
    """The byte offsets of a Parquet file's footer (its metadata, length and magic)."""
    data = path.read_bytes()
    length = int.from_bytes(data[-8:-4], "little")
    return range(len(data) - 8 - length, len(data))


def catalog_rows(settings, sql: str) -> list:
    import duckdb

    con = duckdb.connect(str(settings.catalog), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def sha(path: Path) -> str:
    return lake.sha256_file(path)
