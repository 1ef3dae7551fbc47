"""Run raw lines through the real ingestion: land, parse, pseudonymise, write."""

from __future__ import annotations

import gzip

import duckdb
import pytest

from pipeline import ingest
from pipeline.pseudonym import day_key, pseudonym


class Parsed:
    """What one file gave: the FileResult, its events (dicts, by record) and quarantine rows."""

    def __init__(self, settings, result):
        self.settings, self.result = settings, result
        files = sorted(settings.events.glob("*/*.parquet"))
        self.events = duckdb.sql(
            f"select * from read_parquet({[str(f) for f in files]}) order by record, ts"
        ).to_arrow_table().to_pylist() if files else []
        quarantine = sorted(settings.quarantine.glob("*.parquet"))
        self.quarantine = duckdb.sql(f"select * from read_parquet('{quarantine[0]}')").fetchall() \
            if quarantine else []

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
        (file_id,) = ingest.land(settings, [path], year_hint=hint)
        result = ingest.ingest_file(settings, registry, file_id,
                                    settings.landing / file_id / name, fmt=fmt, hint=hint)
        return Parsed(settings, result)
    return run
