"""A simulated day of a city, its night timed stage by stage against the floor: DuckDB reading the
same raw files once and counting their lines.

    .venv/bin/python benchmarks/bench_night.py [--scale oita|metro] [--fraction 1.0] [--no-pandas]

Scales: `oita` is the sample registry (95 APs) with about 20,000 devices a day; `metro` is about
5,000 APs generated around the sample's sites with about 2 million devices a day (--fraction takes
a share of that day, for the memory series). Each stage runs in a fresh process, so its peak memory
(VmHWM) is its own and the time is measured inside it. Then the quarter's release is
timed, and the visits and trips are computed again in pandas on the same staged events (the way an
analyst would, benchmarks/reference_pandas.py), timed with its peak memory and compared with the
pipeline's.
Writes benchmarks/results/night-<scale>-<fraction>.json. Not part of `make test` (`make bench`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import HWM, floor_seconds, run_child  # noqa: E402
from pipeline.ops import stages  # noqa: E402
from pipeline.config import OITA_POPULATION, load_settings  # noqa: E402
from pipeline.ingest.registry import load_registry  # noqa: E402
from pipeline.sim.logs import SCENARIOS  # noqa: E402
from pipeline.sim.city import metro_registry, simulate  # noqa: E402

RESULTS = Path(__file__).parent / "results"
DAY = date(2024, 4, 2)  # a Tuesday: a working day
SCALES = {"oita": OITA_POPULATION, "metro": 4_300_000}  # population devices: ~20 k / ~2 M a day

STAGE = (
    """
import json, sys, time
from dataclasses import asdict
from datetime import date
from pipeline.ops import nightly
from pipeline.config import load_settings
settings = load_settings()
started = time.perf_counter()
figures = nightly.stage(settings, sys.argv[1], date.fromisoformat(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - started, "figures": asdict(figures),
                  "peak_mb": """
    + HWM
    + """}, default=str))
"""
)
PUBLISH = (
    """
import json, sys, time
from pipeline.calendar import FiscalQuarter
from pipeline.config import load_settings
from pipeline.release.publish import publish
started = time.perf_counter()
publish(load_settings(), FiscalQuarter.parse(sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mb": """
    + HWM
    + """}))
"""
)


PANDAS = (
    """
import json, sys, time
from datetime import date
import pandas as pd
import reference_pandas as ref
from pipeline import lake
from pipeline.config import load_settings
from pipeline.ingest.registry import registry_for
settings, day = load_settings(), date.fromisoformat(sys.argv[1])
aps = registry_for(settings, day).aps.to_pandas()
started = time.perf_counter()
events = pd.read_parquet(lake.day_files(settings.events, day))
visits = ref.visits(events, aps, settings.gap_s, settings.flap_s)
trips = ref.trips(visits, settings.max_transit_s)
seconds = time.perf_counter() - started
peak = """
    + HWM
    + """
ours_v = pd.read_parquet(lake.day_files(settings.visits, day))
ours_t = pd.read_parquet(lake.day_files(settings.trips, day))
print(json.dumps({"pandas_s": seconds, "pandas_visits": len(visits), "pipeline_visits": len(ours_v),
                  "visits_identical": len(visits.merge(ours_v, on=["device", "site_id", "start", "end"])),
                  "pandas_trips": len(trips), "pipeline_trips": len(ours_t),
                  "trips_identical": len(trips.merge(
                      ours_t, on=["device", "origin_site_id", "dest_site_id", "depart"])),
                  "peak_mb": peak}))
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="oita")
    parser.add_argument("--fraction", type=float, default=1.0)
    parser.add_argument("--scenario", default="realistic", choices=sorted(SCENARIOS))
    parser.add_argument("--no-pandas", dest="pandas", action="store_false")
    parser.add_argument("--memory-limit", default="2GB", help="FOOTFALL_MEMORY_LIMIT of the night")
    parser.add_argument(
        "--simulate-memory",
        default="16GB",
        help="memory limit of the simulator (the harness, not the pipeline)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="footfall-bench-") as tmp:
        env = {
            **os.environ,
            "FOOTFALL_HOME": f"{tmp}/var",
            "FOOTFALL_KEYSTORE": f"{tmp}/keys",
            "FOOTFALL_MEMORY_LIMIT": args.memory_limit,
            "FOOTFALL_GATE_MAX_SILENT_SHARE": "1",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
        if args.scale == "metro":
            env["FOOTFALL_REGISTRY"] = str(
                metro_registry(load_settings({}).registry, Path(tmp) / "metro-registry.csv")
            )
        settings = load_settings({**env, "FOOTFALL_MEMORY_LIMIT": args.simulate_memory})
        registry = load_registry(settings.registry)
        devices = int(SCALES[args.scale] * args.fraction)
        started = time.perf_counter()
        sim = simulate(settings, registry, DAY, DAY, devices=devices, noise=SCENARIOS[args.scenario])
        figures = {
            "simulate_s": time.perf_counter() - started,
            "events": sim.events,
            "devices": sim.devices,
            "aps": registry.aps.num_rows,
            "raw_mb": sum(p.stat().st_size for p in sim.files) / 1e6,
        }
        figures["floor_s"], figures["lines"] = floor_seconds(sim.files)
        stage_s, stage_mb = {}, {}
        for stage in stages.STAGES:
            result = run_child(STAGE, stage, str(DAY), env=env)
            stage_s[stage], stage_mb[stage] = result["seconds"], result["peak_mb"]
            print(f"{stage}: {result['seconds']:.1f} s, peak {result['peak_mb']:,.0f} MB", flush=True)
        figures["night_s"] = sum(stage_s.values())
        figures["night_over_floor"] = figures["night_s"] / figures["floor_s"]
        figures["stage_s"] = stage_s
        figures["stage_peak_mb"] = stage_mb
        figures["peak_mb"] = max(stage_mb.values())
        result = run_child(PUBLISH, "FY2024Q1", env=env)
        figures["publish_s"], figures["publish_peak_mb"] = result["seconds"], result["peak_mb"]
        if args.pandas:  # the analyst's way, on the same staged events, in its own process
            env["PYTHONPATH"] += os.pathsep + str(Path(__file__).resolve().parent)
            result = run_child(PANDAS, str(DAY), env=env)
            figures["pandas_peak_mb"] = result.pop("peak_mb")
            figures.update(result)
            figures["pandas_over_movement"] = figures["pandas_s"] / stage_s["movement"]
    report = {
        "date": date.today().isoformat(),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "scale": args.scale,
        "fraction": args.fraction,
        "scenario": args.scenario,
        **{
            k: (
                round(v, 3)
                if isinstance(v, float)
                else {n: round(x, 3) for n, x in v.items()}
                if isinstance(v, dict)
                else v
            )
            for k, v in figures.items()
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"night-{args.scale}-{args.fraction:g}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
