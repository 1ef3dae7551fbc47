"""Accuracy of the movement model against the simulator's ground truth, per noise scenario.

    .venv/bin/python -m pipeline.sim.accuracy [--days 3] [--devices 6000]

runs every scenario of pipeline.sim.logs.SCENARIOS on the sample city and rewrites the table in
docs/accuracy.md. The tests run a few scenarios at a smaller size and hold the same thresholds.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa

from pipeline import lake
from pipeline.ops import nightly
from pipeline.config import Settings, load_settings
from pipeline.ingest.pseudonym import day_key, pseudonym
from pipeline.ingest.registry import load_registry
from pipeline.sim.logs import SCENARIOS, Noise, sources_csv
from pipeline.sim.city import SimulationResult, simulate

FIRST = date(2024, 4, 1)
DOC = Path(__file__).resolve().parents[2] / "docs" / "accuracy.md"


def _truth(settings, result: SimulationResult, day: date) -> pa.Table:
    """The day's true visits with each device's pseudonym under the day's key (in memory)."""
    import pyarrow.parquet as pq

    truth = pq.read_table(settings.truth / "visits" / f"day={day}" / "part.parquet")
    key = day_key(settings.keystore, day)
    macs = result.macs_by_day[day]
    index = truth["device_idx"].to_numpy()
    device = {i: pseudonym(key, int(macs[i])) for i in set(index.tolist())}
    return truth.append_column("device", pa.array([device[i] for i in index], pa.uint64()))


def evaluate_day(settings: Settings, result: SimulationResult, day: date) -> dict:
    """Precision and recall of visits and trips, and hourly footfall error, for one day."""
    con = lake.connect(settings)
    try:
        con.register("truth_visits", _truth(settings, result, day))
        params = {
            "visits": lake.day_files(settings.visits, day),
            "trips": lake.day_files(settings.trips, day),
            "footfall_hourly": lake.day_files(settings.marts / "footfall_hourly", day),
            "gap_s": settings.gap_s,
            "max_transit_s": settings.max_transit_s,
        }
        out = {}
        for name in ("visits", "trips", "footfall"):
            row = lake.query(con, f"sim/accuracy/{name}", params).to_pylist()[0]
            out.update({f"{name}_{k}": v for k, v in row.items()})
        return out
    finally:
        con.close()


def run_scenario(root: Path, noise: Noise, days: int, devices: int, seed: int = 5) -> dict:
    """Simulate, run every night, evaluate every day; figures averaged over the days."""
    settings = load_settings(
        {
            "FOOTFALL_HOME": str(root / "var"),
            "FOOTFALL_KEYSTORE": str(root / "keys"),
            "FOOTFALL_KEY_GRACE_DAYS": "400",
            "FOOTFALL_MAX_QUARANTINE_RATE": "1",
            "FOOTFALL_GATE_MAX_SILENT_SHARE": "1",
        }
    )
    last = FIRST + timedelta(days=days - 1)
    registry = load_registry(settings.registry)
    if noise.utc_clock:  # the city tells the pipeline which AP's clock runs on UTC
        settings = settings.with_(sources=sources_csv(registry, root / "sources.csv"))
    result = simulate(settings, registry, FIRST, last, devices, seed, noise=noise)
    per_day = []
    for n in range(days):
        day = FIRST + timedelta(days=n)
        nightly.run(settings, day)
        per_day.append(evaluate_day(settings, result, day))
    return {k: sum(d[k] for d in per_day) / len(per_day) for k in per_day[0]}


def _table(results: dict) -> str:
    head = (
        "| scenario | visits P | visits R | trips P | trips R | hourly cells (>=20) | "
        "within 5 % | median error |\n|---|---|---|---|---|---|---|---|\n"
    )
    return head + "".join(
        f"| {name} | {r['visits_precision']:.3f} | {r['visits_recall']:.3f} | "
        f"{r['trips_precision']:.3f} | {r['trips_recall']:.3f} | {r['footfall_cells']:.0f} | "
        f"{r['footfall_within_5pct']:.3f} | {r['footfall_median_error']:.3f} |\n"
        for name, r in results.items()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Accuracy per noise scenario -> docs/accuracy.md")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--devices", type=int, default=6000)
    args = parser.parse_args()
    results = {}
    for name, noise in SCENARIOS.items():
        with tempfile.TemporaryDirectory() as tmp:
            results[name] = run_scenario(Path(tmp), noise, args.days, args.devices)
        print(name, {k: round(v, 3) for k, v in results[name].items()}, flush=True)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    marker = "<!-- results -->"
    body = (
        f"{marker}\nMeasured with `python -m pipeline.sim.accuracy --days {args.days} "
        f"--devices {args.devices}` (sample city, FY2024Q1 from {FIRST}):\n\n{_table(results)}"
    )
    DOC.write_text(text.split(marker)[0] + body if marker in text else text + body, encoding="utf-8")


if __name__ == "__main__":
    main()
