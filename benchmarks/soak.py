"""The soak run: a simulated year night by night, with the four quarterly releases and provisions.

    .venv/bin/python benchmarks/soak.py [--first 2024-01-01] [--days 366] [--devices 6000]

Calendar 2024 is simulated so that the four releases it yields (FY2023Q4, made in April, to
FY2024Q3, made in January) are all provided within fiscal year 2024, as the quarterly DAG does on
the 5th of the month after each quarter. Each night: the day's logs are simulated into the inbox,
the night runs, and the lake is measured by area. It checks what a year of nights must not do:
storage growing past what retention allows, temp files left behind, a KPI ledger without four
provisions. Writes benchmarks/results/soak-<first>-<days>.json; exits 1 when a check fails.
Not part of `make test` (`make soak`).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, time as clock, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.ops import nightly  # noqa: E402
from pipeline.release import ledger
from pipeline.calendar import FiscalQuarter  # noqa: E402
from pipeline.config import load_settings  # noqa: E402
from pipeline.release.publish import publish  # noqa: E402
from pipeline.marts.quality_report import QualityGateError  # noqa: E402
from pipeline.ingest.registry import load_registry  # noqa: E402
from pipeline.sim.logs import SCENARIOS  # noqa: E402
from pipeline.sim.city import simulate  # noqa: E402

RESULTS = Path(__file__).parent / "results"
AREAS = {
    "landing": "landing",
    "staged": "staged",
    "curated": "curated",
    "marts": "marts",
    "published": "published",
}
RECIPIENTS = ["観光課", "交通政策課", "防災危機管理課", "商工労政課"]


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6 if path.exists() else 0.0


def partitions(path: Path) -> int:
    return len(list(path.glob("day=*"))) if path.exists() else 0


def measure(settings) -> dict:
    sizes = {area: round(size_mb(settings.home / sub), 2) for area, sub in AREAS.items()}
    sizes["catalog"] = round(settings.catalog.stat().st_size / 1e6, 2)
    return {
        "mb": sizes,
        "landed_files": sum(1 for p in settings.landing.glob("*") if p.is_dir()),
        "event_days": partitions(settings.events),
        "visit_days": partitions(settings.visits),
        "keys": len(list(settings.keystore.glob("*.key"))),
        "temp_files": len([p for p in settings.home.rglob("*") if p.name.startswith((".tmp-", ".old-"))]),
    }


def provision_time(quarter: FiscalQuarter, zone) -> datetime:
    """The 5th of the month after the quarter, 06:00 local: when the quarterly DAG runs."""
    after = quarter.last_day + timedelta(days=1)
    return datetime.combine(after.replace(day=5), clock(6), tzinfo=zone)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=date.fromisoformat, default=date(2024, 1, 1))
    parser.add_argument("--days", type=int, default=366)
    parser.add_argument("--devices", type=int, default=6000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="footfall-soak-"))
    settings = load_settings({"FOOTFALL_HOME": str(work / "var"), "FOOTFALL_KEYSTORE": str(work / "keys")})
    registry = load_registry(settings.registry)
    last = args.first + timedelta(days=args.days - 1)
    nights, releases, gate_failures, series = [], [], [], []
    started = time.monotonic()
    day = args.first
    while day <= last:
        simulate(
            settings, registry, day, day, args.devices, seed=day.toordinal(), noise=SCENARIOS["realistic"]
        )
        for truth in settings.truth.glob("*/day=*"):  # the simulator's answer key, not the lake
            for path in truth.iterdir():
                path.unlink()
            truth.rmdir()
        t0 = time.monotonic()
        try:
            nightly.run(settings, day)
        except QualityGateError as error:  # the night's data is built; the DAG would alert
            gate_failures.append({"day": str(day), "why": str(error)[:200]})
        nights.append(time.monotonic() - t0)
        figures = measure(settings)
        series.append({"day": str(day), "night_s": round(nights[-1], 2), **figures})
        if FiscalQuarter.of(day + timedelta(days=1)) != FiscalQuarter.of(day):
            quarter = FiscalQuarter.of(day)
            t0 = time.monotonic()
            release = publish(settings, quarter)
            seconds = time.monotonic() - t0
            ledger.provide(settings, str(quarter), RECIPIENTS, at=provision_time(quarter, settings.zone))
            releases.append(
                {
                    "release": str(quarter),
                    "seconds": round(seconds, 1),
                    "days_with_data": release.days_with_data,
                }
            )
            print(f"{day}: released {quarter} in {seconds:.1f} s", flush=True)
        if day.day == 1:
            print(f"{day}: night {nights[-1]:.1f} s, lake {figures['mb']}", flush=True)
        day += timedelta(days=1)

    fy = FiscalQuarter.of(provision_time(FiscalQuarter.of(last), settings.zone).date()).year
    year = ledger.kpi(settings, last + timedelta(days=10), fy)[0]
    warm = series[30:]  # after the first month every retention window is full
    bounded = {
        "landed_files": max(s["landed_files"] for s in warm),
        "event_days": max(s["event_days"] for s in warm),
        "visit_days": max(s["visit_days"] for s in warm),
        "keys": max(s["keys"] for s in warm),
    }
    transient = ["landing", "staged", "curated"]
    early = max(sum(s["mb"][a] for a in transient) for s in series[30:60])
    late = max(sum(s["mb"][a] for a in transient) for s in series[-30:])
    checks = {
        "no temp files after any night": all(s["temp_files"] == 0 for s in series),
        f"raw files kept <= {settings.raw_retention_days + 2} days": bounded["landed_files"]
        <= series[0]["landed_files"] * (settings.raw_retention_days + 2),
        f"staged days kept <= {settings.staged_retention_days + 1}": bounded["event_days"]
        <= settings.staged_retention_days + 1,
        f"keys kept <= {settings.key_grace_days + 2}": bounded["keys"] <= settings.key_grace_days + 2,
        "transient storage flat (last month <= 1.5x second month)": late <= 1.5 * early,
        f"FY{fy} ledger shows 4 provisions": len(year.provisions) == 4 and year.met,
    }
    monthly = [s for s in series if s["day"].endswith("-01")] + [series[-1]]
    result = {
        "date": date.today().isoformat(),
        "machine": platform.platform(),
        "cpus": 2,
        "first": str(args.first),
        "days": args.days,
        "devices": args.devices,
        "total_s": round(time.monotonic() - started, 1),
        "night_s": {
            "median": round(statistics.median(nights), 2),
            "p95": round(sorted(nights)[int(0.95 * len(nights))], 2),
            "max": round(max(nights), 2),
        },
        "releases": releases,
        "gate_failures": gate_failures,
        "kpi": {"fiscal_year": fy, "provisions": len(year.provisions), "met": year.met},
        "bounded": bounded,
        "transient_mb": {"second_month_max": round(early, 1), "last_month_max": round(late, 1)},
        "monthly": monthly,
        "checks": checks,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"soak-{args.first}-{args.days}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    print(f"wrote {out}; lake left in {work}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
