"""One simulated night timed stage by stage against its floor: DuckDB reading the same raw file.

    .venv/bin/python benchmarks/bench_night.py [--devices 60000] [--days 1]

Writes benchmarks/results/night-<devices>.json and prints the figures. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipeline import stages
from pipeline.calendar import FiscalQuarter
from pipeline.config import load_settings
from pipeline.publish import publish
from pipeline.registry import load_registry
from pipeline.sim_logs import SCENARIOS
from pipeline.simulate import simulate

RESULTS = Path(__file__).parent / "results"
FIRST = date(2024, 4, 1)


def floor_seconds(paths: list[Path]) -> tuple[float, int]:
    """The least any ingest must do: DuckDB reading every line of the raw files once.

    The lines' lengths are summed, not only counted: a bare count(*) lets DuckDB skip
    materialising the text, which no parser can.
    """
    con = duckdb.connect(config={"threads": 2})
    started = time.perf_counter()
    lines = 0
    for path in paths:
        lines += con.execute(
            "select count(*), sum(length(line)) from read_csv(?, columns = {'line': 'VARCHAR'}, "
            "header = false, delim = E'\\x1f', quote = '', escape = '', auto_detect = false)",
            [str(path)],
        ).fetchall()[0][0]
    return time.perf_counter() - started, lines


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=60000)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--scenario", default="realistic", choices=sorted(SCENARIOS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"FOOTFALL_HOME": f"{tmp}/var", "FOOTFALL_KEYSTORE": f"{tmp}/keys"})
        last = FIRST + timedelta(days=args.days - 1)
        started = time.perf_counter()
        sim = simulate(settings, load_registry(settings.registry), FIRST, last, devices=args.devices,
                       noise=SCENARIOS[args.scenario])
        figures = {"simulate_s": time.perf_counter() - started, "events": sim.events}
        copies = [Path(tmp) / f"floor-{p.name}" for p in sim.files]
        for source, copy in zip(sim.files, copies):
            copy.write_bytes(source.read_bytes())  # the inbox is emptied by landing
        figures["floor_s"], figures["lines"] = floor_seconds(copies)
        night = dict.fromkeys(stages.STAGES, 0.0)
        day = FIRST
        while day <= last:
            for stage in night:
                t = time.perf_counter()
                getattr(stages, stage)(settings, day)
                night[stage] += time.perf_counter() - t
            day += timedelta(days=1)
        figures.update({f"{k}_s": v for k, v in night.items()})
        figures["night_s"] = sum(night.values())
        figures["night_over_floor"] = figures["night_s"] / figures["floor_s"]
        t = time.perf_counter()
        publish(settings, FiscalQuarter.of(FIRST))
        figures["publish_s"] = time.perf_counter() - t
        figures["peak_rss_mb"] = peak_mb()
    report = {"date": date.today().isoformat(), "machine": platform.platform(),
              "devices": args.devices, "days": args.days, "scenario": args.scenario,
              **{k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"night-{args.devices}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
