"""Fixtures build a tiny lake in tmp_path with the real components: DuckDB files, Parquet, keys."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.ingest import landing
from pipeline.ingest import reader
from pipeline.ops import nightly
from pipeline.calendar import FiscalQuarter
from pipeline.config import load_settings
from pipeline.ingest.pseudonym import day_key, pseudonym
from pipeline.release.publish import publish
from pipeline.ingest.registry import load_registry
from pipeline.lake import sql_text
from pipeline.sim.city import simulate

E2E_FIRST = date(2024, 4, 1)
E2E_DAYS = 7
E2E_DEVICES = 5000
ARTIFACTS = Path(__file__).parent / "artifacts"


def make_settings(root: Path, **env):
    return load_settings(
        {"FOOTFALL_HOME": str(root / "var"), "FOOTFALL_KEYSTORE": str(root / "keystore"), **env}
    )


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture
def lake(tmp_path, monkeypatch):
    """FOOTFALL_HOME and FOOTFALL_KEYSTORE under tmp_path, for commands that read the environment."""
    monkeypatch.setenv("FOOTFALL_HOME", str(tmp_path / "var"))
    monkeypatch.setenv("FOOTFALL_KEYSTORE", str(tmp_path / "keys"))
    return tmp_path


def undisturbed_nights(root: Path, registry, first: date, last: date, devices: int, seed: int):
    """Simulated logs of first..last kept aside (root/logs, to give fresh lakes), and the settings
    of a lake whose nights ran over them undisturbed, in day order: the reference of a fault test."""
    settings = make_settings(root)
    simulate(settings, registry, first, last, devices=devices, seed=seed)
    logs = root / "logs"
    shutil.copytree(settings.inbox, logs)
    day = first
    while day <= last:
        nightly.run(settings, day)
        day += timedelta(days=1)
    return logs, settings


def fresh_lake(root: Path, logs: Path):
    """A new lake with the given logs in its inbox."""
    settings = make_settings(root)
    shutil.copytree(logs, settings.inbox)
    return settings


@pytest.fixture(scope="module")
def macros():
    """An in-memory DuckDB with the lake's SQL macros (sql/lake/macros.sql), one per test module."""
    con = duckdb.connect()
    con.execute(sql_text("lake/macros"))
    yield con
    con.close()


def ended_process_owner() -> str:
    """The owner part of temp names written by a process that has ended (pipeline.lake.sweep)."""
    done = subprocess.run(
        [sys.executable, "-c", "from pipeline.lake import sweep; print(sweep.owner())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="session")
def registry():
    return load_registry(load_settings({}).registry)


@pytest.fixture(scope="session")
def simulated_quarter(tmp_path_factory, registry):
    """A week of the sample city simulated, every night run, and the quarter published.

    Returns (settings, release, raw MACs seen in the simulated logs)."""
    root = tmp_path_factory.mktemp("e2e")
    settings = make_settings(root)
    last = E2E_FIRST + timedelta(days=E2E_DAYS - 1)
    result = simulate(settings, registry, E2E_FIRST, last, devices=E2E_DEVICES, seed=11)
    raw_macs = {f"{int(m):012x}" for macs in result.macs_by_day.values() for m in macs}
    day = E2E_FIRST
    while day <= last:
        nightly.run(settings, day)
        day += timedelta(days=1)
    release = publish(settings, FiscalQuarter.of(E2E_FIRST))
    return settings, release, raw_macs


def texts_of(path: Path) -> list[bytes]:
    """Every text a file holds, decompressed: Parquet cells, catalog cells, or the raw bytes."""
    if path.suffix == ".parquet":
        return [str(v).encode() for col in pq.read_table(path).columns for v in col.to_pylist()]
    if path.suffix == ".duckdb":
        con = duckdb.connect(str(path), read_only=True)
        tables = [t[0] for t in con.execute("show tables").fetchall()]
        texts = [str(row).encode() for t in tables for row in con.execute(f"select * from {t}").fetchall()]
        con.close()
        return texts
    return [path.read_bytes()]


class Parsed:
    """What one file gave: the FileResult, its events (dicts, by record) and quarantine rows."""

    def __init__(self, settings, result):
        self.settings, self.result = settings, result
        files = sorted(settings.events.glob(f"*/{result.file_id}.parquet"))
        self.events = (
            duckdb.sql(f"select * from read_parquet({[str(f) for f in files]}) order by record, ts")
            .to_arrow_table()
            .to_pylist()
            if files
            else []
        )
        quarantine = sorted(settings.quarantine.glob(f"{result.file_id}.parquet"))
        self.quarantine = (
            duckdb.sql(f"select * from read_parquet('{quarantine[0]}')").fetchall() if quarantine else []
        )

    def device(self, mac_hex: str, day) -> int:
        return pseudonym(day_key(self.settings.keystore, day), int(mac_hex, 16))

    def summary(self):
        return [(e["kind"], e["ap_id"], e["ts"].isoformat(), e["duration_s"]) for e in self.events]


@pytest.fixture
def parse(settings, registry):
    def run(lines, name="source.log", fmt=None, hint=None, compress=False):
        path = settings.home / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = ("\n".join(lines) + "\n").encode()
        path.write_bytes(gzip.compress(data) if compress else data)
        (file_id,) = landing.land(settings, [path], year_hint=hint)
        result = reader.ingest_file(
            settings, registry, file_id, settings.landing / file_id / name, fmt=fmt, hint=hint
        )
        return Parsed(settings, result)

    return run
