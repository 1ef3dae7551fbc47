"""Ingest of one big syslog file against its floor: DuckDB merely reading the same file's lines.

    .venv/bin/python benchmarks/bench_ingest.py [--lines 10000000] [--format meraki_syslog]

The file is one simulated day of the sample city in the given format, its lines repeated until
there are --lines of them (the parser's work per line does not depend on repeats). Beside the
floor, the write bound: DuckDB reading the lines and writing one event-shaped row per line to
Parquet, nothing parsed (measure.BOUND_SQL). Floor, bound and ingest each run in a fresh process
that times itself, so its time and peak memory (VmHWM) are its own. Writes
benchmarks/results/ingest-<lines>[-<format>].json. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from datetime import date
from pathlib import Path

from measure import HWM, run_child

from pipeline.sources import FORMATS

RESULTS = Path(__file__).parent / "results"
DAY = date(2024, 4, 1)

# Each side runs in a fresh process, times itself and reports its own peak memory (measure.HWM).
FLOOR = """
import json, sys
sys.path.insert(0, sys.argv[2])
from measure import floor_seconds
seconds, lines = floor_seconds([sys.argv[1]])
print(json.dumps({"seconds": seconds, "out": lines, "peak_mb": """ + HWM + """}))
"""
BOUND = """
import json, sys
sys.path.insert(0, sys.argv[2])
from measure import bound_seconds
seconds = bound_seconds(sys.argv[1], sys.argv[3])
print(json.dumps({"seconds": seconds, "out": 0, "peak_mb": """ + HWM + """}))
"""
INGEST = """
import json, sys, time
from datetime import date
from pathlib import Path
from pipeline import ingest
from pipeline.config import load_settings
from pipeline.registry import load_registry
settings = load_settings({"FOOTFALL_HOME": sys.argv[2], "FOOTFALL_KEYSTORE": sys.argv[3]})
registry = load_registry(settings.registry)
started = time.perf_counter()
out = ingest.ingest_file(settings, registry, "bench", Path(sys.argv[1]), fmt=sys.argv[4],
                         hint=date(2024, 4, 1)).records
print(json.dumps({"seconds": time.perf_counter() - started, "out": out, "peak_mb": """ + HWM + """}))
"""


def build_file(tmp: Path, lines: int, fmt: str) -> Path:
    from pipeline.config import load_settings
    from pipeline.registry import load_registry
    from pipeline.sim_logs import Noise
    from pipeline.simulate import simulate

    settings = load_settings({"FOOTFALL_HOME": str(tmp / "sim"), "FOOTFALL_KEYSTORE": str(tmp / "k")})
    noise = Noise(radius=fmt == "radius_detail")  # RADIUS accounting is written only when asked
    files = simulate(settings, load_registry(settings.registry), DAY, DAY, devices=100_000,
                     noise=noise).files
    day_file = next(f for f in files if f.name.startswith(fmt))
    block = day_file.read_bytes()
    per_block = block.count(b"\n")
    path = tmp / f"{fmt}_{DAY:%Y%m%d}{day_file.suffix}"
    with open(path, "wb") as out:
        for _ in range(lines // per_block):
            out.write(block)
        out.write(b"".join(block.splitlines(keepends=True)[: lines % per_block]))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--format", default="meraki_syslog", choices=sorted(FORMATS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = build_file(tmp, args.lines, args.format)
        here = str(Path(__file__).resolve().parent)
        floor = run_child(FLOOR, str(path), here)
        bound = run_child(BOUND, str(path), here, str(tmp / "bound.parquet"))
        ingest = run_child(INGEST, str(path), str(tmp / "lake"), str(tmp / "keys"), args.format)
        floor_s, floor_mb, floor_lines = floor["seconds"], floor["peak_mb"], floor["out"]
        ingest_s, ingest_mb, records = ingest["seconds"], ingest["peak_mb"], ingest["out"]
        report = {
            "date": date.today().isoformat(), "machine": platform.platform(), "format": args.format,
            "lines": int(floor_lines), "records": int(records), "bytes": path.stat().st_size,
            "floor_s": round(floor_s, 2), "bound_s": round(bound["seconds"], 2),
            "ingest_s": round(ingest_s, 2), "bound_over_floor": round(bound["seconds"] / floor_s, 2),
            "ingest_over_floor": round(ingest_s / floor_s, 2),
            "ingest_over_bound": round(ingest_s / bound["seconds"], 2),
            "lines_per_s": round(int(records) / ingest_s),
            "peak_rss_mb": round(ingest_mb), "floor_peak_rss_mb": round(floor_mb),
        }
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.format == "meraki_syslog" else f"-{args.format}"
    (RESULTS / f"ingest-{args.lines}{suffix}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
