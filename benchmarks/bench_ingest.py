"""Ingest of one big syslog file against its floor: DuckDB merely reading the same file's lines.

    .venv/bin/python benchmarks/bench_ingest.py [--lines 10000000] [--format meraki_syslog]
    .venv/bin/python benchmarks/bench_ingest.py --unfiltered [--lines 2000000] [--format hostapd]

The file is one simulated day of the sample city in the given format, its lines repeated until
there are --lines of them (the parser's work per line does not depend on repeats). Beside the
floor, the write bound: DuckDB reading the lines and writing one event-shaped row per line to
Parquet, nothing parsed (measure.BOUND_SQL). Floor, bound and ingest each run in a fresh process
that times itself, so its time and peak memory (VmHWM) are its own. Writes
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
import tempfile
from datetime import date
from pathlib import Path

from measure import HWM, run_child

from pipeline.ingest.formats import FORMATS

RESULTS = Path(__file__).parent / "results"
DAY = date(2024, 4, 1)

# Each side runs in a fresh process, times itself and reports its own peak memory (measure.HWM).
FLOOR = (
    """
import json, sys
sys.path.insert(0, sys.argv[2])
from measure import floor_seconds
seconds, lines = floor_seconds([sys.argv[1]])
print(json.dumps({"seconds": seconds, "out": lines, "peak_mb": """
    + HWM
    + """}))
"""
)
BOUND = (
    """
import json, sys
sys.path.insert(0, sys.argv[2])
from measure import bound_seconds
seconds = bound_seconds(sys.argv[1], sys.argv[3])
print(json.dumps({"seconds": seconds, "out": 0, "peak_mb": """
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
out = reader.ingest_file(settings, registry, "bench", Path(sys.argv[1]), fmt=sys.argv[4],
                         hint=date(2024, 4, 1)).records
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--format", default=None, choices=sorted(FORMATS))
    parser.add_argument(
        "--unfiltered",
        action="store_true",
        help="an all-client feed against one where 9 lines in 10 are other programs'",
    )
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
            "date": date.today().isoformat(),
            "machine": platform.platform(),
            "format": args.format,
            "lines": int(floor_lines),
            "records": int(records),
            "bytes": path.stat().st_size,
            "floor_s": round(floor_s, 2),
            "bound_s": round(bound["seconds"], 2),
            "ingest_s": round(ingest_s, 2),
            "bound_over_floor": round(bound["seconds"] / floor_s, 2),
            "ingest_over_floor": round(ingest_s / floor_s, 2),
            "ingest_over_bound": round(ingest_s / bound["seconds"], 2),
            "lines_per_s": round(int(records) / ingest_s),
            "peak_rss_mb": round(ingest_mb),
            "floor_peak_rss_mb": round(floor_mb),
        }
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.format == "meraki_syslog" else f"-{args.format}"
    (RESULTS / f"ingest-{args.lines}{suffix}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
