"""How the synthetic city's visits become the logs real controllers write, mess included.

Sites take their controller from a mix like a real city's (mostly Meraki and Aruba, some hostapd,
Cisco and UniFi, one network on the Meraki Scanning API, two small systems exporting the
documented CSV and JSON Lines); RADIUS accounting can log every session beside them. The noise of
real logs is optional and vectorised: lost events, one controller's clock running ahead, devices
flapping to a nearby site's AP, AP outages of hours, restarts of the RADIUS NAS; and feeds as
a city forwards them: other programs' lines among hostapd's (an unfiltered feed), every syslog
controller in one central file a day, an AP whose clock runs on UTC, band steering. The ground
truth is untouched by it: it is where the devices really were. No Python runs per event: APs are
looked up by integer index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import lake
from pipeline.ingest.registry import Registry

# The controller of each site, in turn: every supported format appears, Meraki and Aruba most.
VENDOR_CYCLE = (
    "meraki_syslog",
    "aruba_stm",
    "meraki_syslog",
    "hostapd",
    "cisco_wlc",
    "meraki_syslog",
    "unifi",
    "aruba_stm",
    "meraki_scanning",
    "hostapd",
    "generic_csv",
    "generic_jsonl",
)
VENDORS = tuple(dict.fromkeys(VENDOR_CYCLE))
SCAN_EVERY_S = 300  # a Scanning API network reports a present device every 5 minutes
RESET_AFTER_S = 20  # a restarted NAS sends its Accounting-On this long after going down
REJOIN_S = 60  # ... and a device still there starts a new session this long after


@dataclass(frozen=True)
class Noise:
    """The mess of real logs, all off by default."""

    radius: bool = False  # RADIUS accounting of every session too (the same session, twice)
    lost: float = 0.0  # share of controller events lost
    skew_s: float = 0.0  # the Aruba controller's clock runs this far ahead
    flap: float = 0.0  # share of visits over 10 min with a 45 s blip at the nearest other site
    outages: int = 0  # sites per day whose APs are down for 2-6 hours
    nas_restarts: float = 0.0  # RADIUS NAS restarts a day (0.05: one day in 20); open sessions lose Stop
    foreign: int = 0  # other programs' lines (dnsmasq, netifd, kernel ...) per hostapd client line
    central: bool = False  # the syslog controllers' lines in one central file a day, interleaved
    utc_clock: bool = False  # the first hostapd site's APs keep their clock on UTC (sources_csv)
    band_steer: float = 0.0  # share of hostapd sessions over 10 min that move to the other radio


SCENARIOS = {
    "clean": Noise(),
    "duplicated": Noise(radius=True),
    "lost_events": Noise(radius=True, lost=0.03),
    "skewed_clock": Noise(radius=True, skew_s=90),
    "flapping": Noise(flap=0.05),
    "outages": Noise(outages=2),
    "nas_restarts": Noise(radius=True, nas_restarts=2),
    "unfiltered": Noise(foreign=9, central=True, utc_clock=True, band_steer=0.05),
    "realistic": Noise(
        radius=True,
        lost=0.02,
        skew_s=90,
        flap=0.03,
        outages=1,
        nas_restarts=0.05,
        foreign=4,
        central=True,
        utc_clock=True,
        band_steer=0.03,
    ),
}
SYSLOG_FILES = ("meraki_syslog", "aruba_stm", "cisco_wlc", "unifi", "hostapd")


def _ap_table(registry: Registry) -> dict:
    """The APs as arrays: per site (sorted ids) its first AP's row and count, per AP name, BSSID."""
    aps = sorted(registry.aps.to_pylist(), key=lambda a: (a["site_id"], a["ap_id"]))
    first_mac: dict[str, str] = {}
    for row in registry.ap_macs.to_pylist():
        first_mac.setdefault(row["ap_id"], row["mac"])
    sites = sorted({a["site_id"] for a in aps})
    index = {site: i for i, site in enumerate(sites)}
    ap_site = np.array([index[a["site_id"]] for a in aps])
    vendor = np.array([VENDOR_CYCLE[i % len(VENDOR_CYCLE)] for i in range(len(sites))])
    return {
        "utc": ap_site == np.flatnonzero(vendor == "hostapd")[0],  # APs of the first hostapd site
        "sites": np.array(sites),
        "first": np.searchsorted(ap_site, np.arange(len(sites))),
        "count": np.bincount(ap_site, minlength=len(sites)),
        "name": np.array([a["ap_name"] for a in aps]),
        "bssid": np.array([":".join(first_mac[a["ap_id"]][i : i + 2] for i in range(0, 12, 2)) for a in aps]),
        "vendor": vendor,
    }


def sources_csv(registry: Registry, path: Path) -> Path:
    """The log sources file (FOOTFALL_SOURCES) of the simulated city: the APs of the first hostapd
    site keep their clock on UTC (Noise.utc_clock)."""
    aps = _ap_table(registry)
    rows = "".join(f"{name},UTC,\n" for name in aps["name"][aps["utc"]])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("source,tz,ap\n" + rows, encoding="utf-8")
    return path


def _band_steer(rng, seg: dict, share: float, aps: dict) -> dict:
    """Hostapd sessions over 10 min moved once to the AP's other radio: the session ends and a new
    one begins in the same second, half-way."""
    long = (aps["vendor"][seg["site"]] == "hostapd") & (seg["end"] - seg["start"] > 600)
    pick = long & (rng.random(len(seg["site"])) < share)
    mid = np.round((seg["start"] + seg["end"]) / 2)
    second = {**_subset(seg, pick), "start": mid[pick]}
    first = {**seg, "end": np.where(pick, mid, seg["end"])}
    return {key: np.concatenate([first[key], second[key]]) for key in seg}


def _nearest_other_site(registry: Registry, aps: dict) -> np.ndarray:
    """For each site index, the index of the nearest other site."""
    by_id = {s["site_id"]: s for s in registry.sites.to_pylist()}
    lat = np.array([by_id[s]["lat"] for s in aps["sites"]])
    lon = np.array([by_id[s]["lon"] for s in aps["sites"]])
    dist = np.hypot(lat[:, None] - lat[None, :], (lon[:, None] - lon[None, :]) * 0.84)
    np.fill_diagonal(dist, np.inf)
    return dist.argmin(axis=1)


def session_events(rng: np.random.Generator, visits: pa.Table, macs: np.ndarray, aps: dict) -> dict:
    """Session segments: a visit at one AP of its site; a visit over 15 minutes at a multi-AP site
    roams once to a second AP half-way, except a staff device's, which stays at its AP all day."""
    site = pc.index_in(visits["site_id"], value_set=pa.array(aps["sites"])).to_numpy()
    start = visits["start"].cast(pa.int64()).to_numpy() / 1e6
    end = visits["end"].cast(pa.int64()).to_numpy() / 1e6
    n_aps = aps["count"][site]
    first_ap = rng.integers(0, 1 << 30, len(site)) % np.maximum(n_aps, 1)
    staff = (
        visits["staff"].to_numpy(zero_copy_only=False)
        if "staff" in visits.column_names
        else np.zeros(len(site), dtype=bool)
    )
    first_ap[staff] = 0
    roam = (n_aps > 1) & (end - start > 900) & ~staff
    mid = np.where(roam, np.round((start + end) / 2), end)
    seg_site = np.concatenate([site, site[roam]])
    seg_ap = np.concatenate([first_ap, ((first_ap + 1) % np.maximum(n_aps, 1))[roam]])
    device = visits["device_idx"].to_numpy()
    return {
        "site": seg_site,
        "ap": aps["first"][seg_site] + seg_ap,
        "start": np.concatenate([start, mid[roam]]),
        "end": np.concatenate([mid, end[roam]]),
        "mac": macs[np.concatenate([device, device[roam]])],
    }


def _flaps(rng, seg: dict, share: float, nearest: np.ndarray, aps: dict) -> dict:
    long = np.flatnonzero(seg["end"] - seg["start"] > 600)
    pick = long[rng.random(len(long)) < share]
    at = np.round((seg["start"][pick] + seg["end"][pick]) / 2)
    site = nearest[seg["site"][pick]]
    return {"site": site, "ap": aps["first"][site], "start": at, "end": at + 45, "mac": seg["mac"][pick]}


def _subset(seg: dict, mask: np.ndarray) -> dict:
    return {key: value[mask] for key, value in seg.items()}


def _table(ts, site, ap, mac, kind, duration, aps: dict) -> pa.Table:
    return pa.table(
        {
            "ts": ts,
            "site_id": aps["sites"][site],
            "ap_name": aps["name"][ap],
            "bssid": aps["bssid"][ap],
            "mac": mac,
            "kind": kind,
            "duration": duration,
            "rssi": np.full(len(ts), 40),
            "utc": aps["utc"][ap],
        }
    )


def _events(seg: dict, aps: dict) -> pa.Table:
    """Two events per session segment: association, and disassociation carrying its duration."""
    n = len(seg["site"])
    return _table(
        np.concatenate([seg["start"], seg["end"]]),
        np.tile(seg["site"], 2),
        np.tile(seg["ap"], 2),
        np.tile(seg["mac"], 2),
        np.repeat(np.array(["association", "disassociation"]), n),
        np.concatenate([np.full(n, np.nan), seg["end"] - seg["start"]]),
        aps,
    )


def _restart_times(rng, day: date, tz, rate: float) -> np.ndarray:
    """The instants of the day (06:00-22:00 local) at which the RADIUS NAS restarts: int(rate)
    times, and once more with the chance of rate's fraction."""
    count = int(rate) + int(rate % 1 > 0 and rng.random() < rate % 1)
    six = datetime.combine(day, time(6), tzinfo=tz).timestamp()
    return np.sort(six + rng.integers(0, 16 * 3600, size=count)).astype(float)


def _radius_sessions(seg: dict, restarts: np.ndarray, windows: list[tuple], aps: dict) -> pa.Table:
    """RADIUS accounting of the session segments (none at an AP that is down) across the NAS's
    restarts: a session open at a restart ends there with no Stop, a device still there starts a
    new session REJOIN_S later, and the NAS's Accounting-On (no AP, no client) comes
    RESET_AFTER_S after the restart."""
    stop_lost = np.zeros(len(seg["site"]), dtype=bool)
    for at in restarts:
        cut = (seg["start"] < at) & (seg["end"] > at)
        rest = _subset(seg, cut & (seg["end"] > at + REJOIN_S))
        rest["start"] = np.full(len(rest["site"]), at + REJOIN_S)
        seg = {**seg, "end": np.where(cut, at, seg["end"])}
        seg = {key: np.concatenate([seg[key], rest[key]]) for key in seg}
        stop_lost = np.concatenate([stop_lost | cut, np.zeros(len(rest["site"]), dtype=bool)])
    sessions = _events(seg, aps)
    keep = np.concatenate([np.ones(len(stop_lost), dtype=bool), ~stop_lost])
    sessions = sessions.filter(pa.array(keep & ~_in_outage(sessions, windows)))
    n = len(restarts)
    resets = _table(
        restarts + RESET_AFTER_S,
        np.zeros(n, dtype=int),
        np.zeros(n, dtype=int),
        np.zeros(n, dtype=np.uint64),
        np.full(n, "nas_reset"),
        np.full(n, np.nan),
        aps,
    )
    return pa.concat_tables([sessions, resets])


def _seen(seg: dict, aps: dict) -> pa.Table:
    """Presence points of a Scanning API network: at a segment's start, every SCAN_EVERY_S, its end."""
    span = seg["end"] - seg["start"]
    count = (span // SCAN_EVERY_S).astype(np.int64) + 1
    row = np.repeat(np.arange(len(span)), count)
    step = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    ts = np.concatenate([seg["start"][row] + step * SCAN_EVERY_S, seg["end"]])
    row = np.concatenate([row, np.arange(len(span))])
    return _table(
        ts,
        seg["site"][row],
        seg["ap"][row],
        seg["mac"][row],
        np.full(len(ts), "seen"),
        np.full(len(ts), np.nan),
        aps,
    )


def _controller_events(seg: dict, aps: dict) -> pa.Table:
    scanning = aps["vendor"][seg["site"]] == "meraki_scanning"
    return pa.concat_tables([_events(_subset(seg, ~scanning), aps), _seen(_subset(seg, scanning), aps)])


def _outage_windows(rng, sites, day: date, tz, count: int) -> list[tuple]:
    """`count` sites a day whose APs go down for 2 to 6 hours, starting 10:00-15:00 local."""
    down = rng.choice(sorted(sites), size=min(count, len(sites)), replace=False)
    ten = datetime.combine(day, time(10), tzinfo=tz).timestamp()
    windows = []
    for site in down:
        begin = ten + int(rng.integers(0, 6)) * 3600
        windows.append((site, begin, begin + int(rng.integers(2, 7)) * 3600))
    return windows


def _in_outage(events: pa.Table, windows: list[tuple]) -> np.ndarray:
    ts = events["ts"].to_numpy()
    site = events["site_id"].to_numpy(zero_copy_only=False)
    mask = np.zeros(len(ts), dtype=bool)
    for down, begin, end in windows:
        mask |= (site == down) & (ts >= begin) & (ts < end)
    return mask


def write_day(
    con: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    registry: Registry,
    visits: pa.Table,
    macs: np.ndarray,
    day: date,
    tz: tzinfo,
    outdir: Path,
    noise: Noise,
) -> tuple[list[Path], int]:
    """Write one day's logs, a file per controller format (and RADIUS); returns the files and events."""
    aps = _ap_table(registry)
    seg = session_events(rng, visits, macs, aps)
    if noise.band_steer:
        seg = _band_steer(rng, seg, noise.band_steer, aps)
    if not noise.utc_clock:
        aps = {**aps, "utc": np.zeros(len(aps["utc"]), dtype=bool)}
    controller = _controller_events(seg, aps)
    if noise.flap:
        controller = pa.concat_tables(
            [
                controller,
                _controller_events(
                    _flaps(rng, seg, noise.flap, _nearest_other_site(registry, aps), aps), aps
                ),
            ]
        )
    site = pc.index_in(controller["site_id"], value_set=pa.array(aps["sites"])).to_numpy()
    vendor = aps["vendor"][site]
    windows = _outage_windows(rng, aps["sites"], day, tz, noise.outages) if noise.outages else []
    keep = (rng.random(controller.num_rows) >= noise.lost) & ~_in_outage(controller, windows)
    ts = controller["ts"].to_numpy() + np.where(vendor == "aruba_stm", noise.skew_s, 0.0)
    controller = controller.set_column(0, "ts", pa.array(ts)).filter(pa.array(keep))
    vendor = vendor[keep]
    outputs = [(name, controller.filter(pa.array(vendor == name))) for name in VENDORS]
    if noise.radius:
        restarts = _restart_times(rng, day, tz, noise.nas_restarts)
        outputs.append(("radius_detail", _radius_sessions(seg, restarts, windows, aps)))
    files, total = [], 0
    for name, events in outputs:
        if not events.num_rows:
            continue
        suffix = {"generic_csv": "csv", "generic_jsonl": "jsonl", "meraki_scanning": "jsonl"}.get(name, "log")
        path = outdir / f"{name}_{day:%Y%m%d}.{suffix}"
        con.register("events_raw", events)
        lake.run(con, "sim/logs/sim_events", {"tz": str(tz)})
        lake.run(con, f"sim/logs/{name}", {"path": str(path), "foreign_lines": noise.foreign})
        con.unregister("events_raw")
        files.append(path)
        total += events.num_rows
    if noise.central:
        files = _central(files, outdir / f"syslog_{day:%Y%m%d}.log")
    return files, total


def _central(files: list[Path], path: Path) -> list[Path]:
    """The syslog controllers' files as one central server writes them: one file, their lines
    interleaved (each file's own order kept), the other files as they are."""
    syslog = [f for f in files if f.name.split("_2")[0] in SYSLOG_FILES]
    lines = [f.read_bytes().splitlines(keepends=True) for f in syslog]
    longest = max((len(part) for part in lines), default=0)
    with open(path, "wb") as out:
        for step in range(longest):  # round robin, each file at its own pace
            for part in lines:
                start, stop = len(part) * step // longest, len(part) * (step + 1) // longest
                out.writelines(part[start:stop])
    for f in syslog:
        f.unlink()
    return [f for f in files if f not in syslog] + ([path] if syslog else [])
