"""Ingest of one big syslog file against its floor: DuckDB merely reading the same file's lines.

    .venv/bin/python benchmarks/bench_ingest.py [--lines 10000000] [--format meraki_syslog] [--runs 1]
    .venv/bin/python benchmarks/bench_ingest.py --unfiltered [--lines 2000000] [--format hostapd]

The file is one simulated day of the sample city in the given format, its lines repeated until
there are --lines of them (the parser's work per line does not depend on repeats). Beside the
floor, the write bound: DuckDB reading the lines and writing one event-shaped row per line to
Parquet, nothing parsed (measure.BOUND_SQL). Beside ingest, its peer: a plain Polars script doing
the same to the same file (benchmarks/peer_polars.py; hostapd and meraki_syslog). Floor, bound,
ingest and peer each run in a fresh process that times itself (wall, and CPU: user + system of all
its threads, steadier on a shared machine), so its time and peak memory (VmHWM) are its own;
--runs N runs the four N times, alternated, and reports medians. Writes
benchmarks/results/ingest-<lines>[-<format>].json. Not part of `make test`.

--unfiltered measures, side by side and each in a fresh process, an all-client-event feed and
an unfiltered feed of the same number of lines where 9 lines in 10 belong to other programs
(dnsmasq, netifd, kernel, odhcpd, hostapd's own chatter: the lines an OpenWrt AP forwards), and
writes benchmarks/results/ingest-unfiltered-<lines>-<format>.json. Ignored lines must be cheap: the
unfiltered feed must ingest at least twice the lines per second of the all-client one.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
from datetime import date
from pathlib import Path

from measure import HWM, run_child
from peer_polars import PARSERS

from pipeline.ingest.formats import FORMATS

RESULTS = Path(__file__).parent / "results"
DAY = date(2024, 4, 1)

# Each side runs in a fresh process, times itself and reports its own peak memory (measure.HWM).
FLOOR = (
    """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from measure import floor_seconds
cpu = time.process_time()
seconds, lines = floor_seconds([sys.argv[1]])
print(json.dumps({"seconds": seconds, "cpu_s": time.process_time() - cpu, "out": lines, "peak_mb": """
    + HWM
    + """}))
"""
)
BOUND = (
    """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from measure import bound_seconds
cpu = time.process_time()
seconds = bound_seconds(sys.argv[1], sys.argv[3])
print(json.dumps({"seconds": seconds, "cpu_s": time.process_time() - cpu, "out": 0, "peak_mb": """
    + HWM
    + """}))
"""
)
INGEST = (
    """
import json, sys, time
from datetime import date
from pathlib import Path
from pipeline.ingest import reader
from pipeline.config import load_settings
from pipeline.ingest.registry import load_registry
settings = load_settings({"FOOTFALL_HOME": sys.argv[2], "FOOTFALL_KEYSTORE": sys.argv[3]})
registry = load_registry(settings.registry)
started, cpu = time.perf_counter(), time.process_time()
result = reader.ingest_file(settings, registry, "bench", Path(sys.argv[1]), fmt=sys.argv[4],
                            hint=date(2024, 4, 1))
print(json.dumps({"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
                  "out": result.records, "events": sum(result.events_by_day.values()), "peak_mb": """
    + HWM
    + """}))
"""
)

# The peer: benchmarks/peer_polars.py on the same file, the registry read before the clock starts.
PEER = (
    """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import peer_polars
aps = peer_polars.registry_aps()
started, cpu = time.perf_counter(), time.process_time()
out = peer_polars.ingest(Path(sys.argv[1]), sys.argv[4], Path(sys.argv[3]), 2024, aps)
print(json.dumps({"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
                  "out": out, "peak_mb": """
    + HWM
    + """}))
"""
)


def build_file(tmp: Path, lines: int, fmt: str) -> Path:
    from pipeline.config import load_settings
    from pipeline.ingest.registry import load_registry
    from pipeline.sim.logs import Noise
    from pipeline.sim.city import simulate

    settings = load_settings({"FOOTFALL_HOME": str(tmp / "sim"), "FOOTFALL_KEYSTORE": str(tmp / "k")})
    noise = Noise(radius=fmt == "radius_detail")  # RADIUS accounting is written only when asked
    files = simulate(settings, load_registry(settings.registry), DAY, DAY, devices=100_000, noise=noise).files
    day_file = next(f for f in files if f.name.startswith(fmt))
    block = day_file.read_bytes()
    per_block = block.count(b"\n")
    path = tmp / f"{fmt}_{DAY:%Y%m%d}{day_file.suffix}"
    with open(path, "wb") as out:
        for _ in range(lines // per_block):
            out.write(block)
        out.write(b"".join(block.splitlines(keepends=True)[: lines % per_block]))
    return path


# Other programs' lines as an OpenWrt AP forwards them beside hostapd's client events; {stamp}
# and {host} are the client line's, {i} its number.
FOREIGN = (
    "{stamp} {host} dnsmasq-dhcp[2985]: DHCPACK(br-lan) 192.168.{a}.{b} 8c:7a:3d:{a:02x}:{b:02x}:0e "
    "phone-{i}",
    "{stamp} {host} dnsmasq-dhcp[2985]: DHCPREQUEST(br-lan) 192.168.{a}.{b} 8c:7a:3d:{a:02x}:{b:02x}:0e",
    "{stamp} {host} netifd: wan (1368): udhcpc: sending renew to 10.{a}.{b}.1",
    "{stamp} {host} kernel: [15084.641567] ieee80211 phy0: staid {b} deleted",
    "{stamp} {host} odhcpd[1842]: DHCPV6 SOLICIT IA_NA from 0003000{a} on br-lan: ok fd00::{b}",
    "{stamp} {host} hostapd: phy0-ap0: STA 8c:7a:3d:{a:02x}:{b:02x}:0e WPA: pairwise key handshake "
    "completed (RSN)",
    "{stamp} {host} hostapd: phy0-ap0: STA 8c:7a:3d:{a:02x}:{b:02x}:0e IEEE 802.11: authenticated",
    "{stamp} {host} dropbear[9123]: Exit before auth from <10.{a}.{b}.7:51234>: Exited normally",
    "{stamp} {host} uhttpd[1021]: luci: accepted login on / for root from 10.{a}.{b}.9",
)


def build_unfiltered(tmp: Path, client: Path, lines: int) -> Path:
    """A feed of `lines` lines: each client event of `client` followed by 9 other programs' lines."""
    import re

    path = tmp / f"unfiltered_{DAY:%Y%m%d}.log"
    events = client.read_text().splitlines()
    stamp = re.compile(r"^(\w{3}\s+\d+ [\d:]+) (\S+) ")
    with open(path, "w") as out:
        written, i = 0, 0
        while written < lines:
            line = events[i % len(events)]
            head = stamp.match(line)
            out.write(line + "\n")
            for template in FOREIGN:
                out.write(
                    template.format(stamp=head[1], host=head[2], i=i, a=i % 250, b=(i // 250) % 250) + "\n"
                )
            written, i = written + 1 + len(FOREIGN), i + 1
    return path


def unfiltered(args) -> dict:
    """The all-client feed and the unfiltered one, side by side."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        client = build_file(tmp, args.lines, args.format)
        feed = build_unfiltered(tmp, client, args.lines)
        figures = {}
        for name, path in (("all_client", client), ("unfiltered", feed)):
            run = run_child(
                INGEST, str(path), str(tmp / f"lake-{name}"), str(tmp / f"keys-{name}"), args.format
            )
            lines = sum(1 for _ in open(path, "rb"))
            figures[name] = {
                "lines": lines,
                "seconds": round(run["seconds"], 2),
                "lines_per_s": round(lines / run["seconds"]),
                "cpu_s": round(run["cpu_s"], 2),  # steadier on a shared machine
                "peak_rss_mb": round(run["peak_mb"]),
            }
    return {
        "date": date.today().isoformat(),
        "machine": platform.platform(),
        "format": args.format,
        **figures,
        "speedup": round(figures["unfiltered"]["lines_per_s"] / figures["all_client"]["lines_per_s"], 2),
        "speedup_cpu": round(figures["all_client"]["cpu_s"] / figures["unfiltered"]["cpu_s"], 2),
    }


def _runs(args, path: Path, tmp: Path) -> dict:
    """Floor, bound, ingest and (where it reads the format) the peer, args.runs times, alternated."""
    here = str(Path(__file__).resolve().parent)
    runs: dict[str, list] = {"floor": [], "bound": [], "ingest": [], "polars": []}
    for n in range(args.runs):
        runs["floor"].append(run_child(FLOOR, str(path), here))
        runs["bound"].append(run_child(BOUND, str(path), here, str(tmp / "bound.parquet")))
        lake = (str(tmp / f"lake{n}"), str(tmp / f"keys{n}"))
        runs["ingest"].append(run_child(INGEST, str(path), *lake, args.format))
        if args.format in PARSERS:
            runs["polars"].append(run_child(PEER, str(path), here, str(tmp / "peer.parquet"), args.format))
    return {name: done for name, done in runs.items() if done}


def against_floor_and_peer(args) -> dict:
    """Ingest of one file against the floor, the write bound and the Polars peer, in one run."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = build_file(tmp, args.lines, args.format)
        runs = _runs(args, path, tmp)
        size = path.stat().st_size
    med = {
        name: {key: statistics.median(run[key] for run in done) for key in ("seconds", "cpu_s", "peak_mb")}
        for name, done in runs.items()
    }
    ingest, floor, bound = med["ingest"], med["floor"], med["bound"]
    report = {
        "date": date.today().isoformat(),
        "machine": platform.platform(),
        "format": args.format,
        "lines": int(runs["floor"][0]["out"]),
        "records": int(runs["ingest"][0]["out"]),
        "events": int(runs["ingest"][0]["events"]),
        "bytes": size,
        "runs": args.runs,
        "floor_s": round(floor["seconds"], 2),
        "bound_s": round(bound["seconds"], 2),
        "ingest_s": round(ingest["seconds"], 2),
        "floor_cpu_s": round(floor["cpu_s"], 2),
        "bound_cpu_s": round(bound["cpu_s"], 2),
        "ingest_cpu_s": round(ingest["cpu_s"], 2),
        "bound_over_floor": round(bound["seconds"] / floor["seconds"], 2),
        "ingest_over_floor": round(ingest["seconds"] / floor["seconds"], 2),
        "ingest_over_bound": round(ingest["seconds"] / bound["seconds"], 2),
        "ingest_over_bound_cpu": round(ingest["cpu_s"] / bound["cpu_s"], 2),
        "lines_per_s": round(int(runs["ingest"][0]["out"]) / ingest["seconds"]),
        "peak_rss_mb": round(ingest["peak_mb"]),
        "floor_peak_rss_mb": round(floor["peak_mb"]),
    }
    if "polars" in med:  # the peer, measured in the same run
        peer = med["polars"]
        report |= {
            "polars_s": round(peer["seconds"], 2),
            "polars_cpu_s": round(peer["cpu_s"], 2),
            "polars_events": int(runs["polars"][0]["out"]),
            "polars_peak_rss_mb": round(peer["peak_mb"]),
            "ingest_over_polars": round(ingest["seconds"] / peer["seconds"], 2),
            "ingest_over_polars_cpu": round(ingest["cpu_s"] / peer["cpu_s"], 2),
        }
    report["each_run"] = {
        name: [{key: round(run[key], 2) for key in ("seconds", "cpu_s")} for run in done]
        for name, done in runs.items()
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--format", default=None, choices=sorted(FORMATS))
    parser.add_argument(
        "--unfiltered",
        action="store_true",
        help="an all-client feed against one where 9 lines in 10 are other programs'",
    )
    parser.add_argument("--runs", type=int, default=1, help="floor, bound, ingest, peer N times, alternated")
    args = parser.parse_args()
    if args.unfiltered:
        args.format = args.format or "hostapd"
        report = unfiltered(args)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"ingest-unfiltered-{args.lines}-{args.format}.json").write_text(
            json.dumps(report, indent=2) + "\n"
        )
        print(json.dumps(report, indent=2))
        return
    args.format = args.format or "meraki_syslog"
    report = against_floor_and_peer(args)
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.format == "meraki_syslog" else f"-{args.format}"
    (RESULTS / f"ingest-{args.lines}{suffix}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
