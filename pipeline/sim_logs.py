"""How the synthetic city's visits become the logs real controllers write, mess included.

Sites take their vendor in turn (Meraki, Aruba, hostapd APs); RADIUS accounting can log every
session beside them. The noise of real logs is optional and vectorised: lost events, one
controller's clock running ahead, devices flapping to a nearby site's AP, AP outages of hours.
The ground truth is untouched by it: it is where the devices really were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline import lake
from pipeline.registry import Registry

VENDORS = ("meraki_syslog", "aruba_stm", "hostapd")


@dataclass(frozen=True)
class Noise:
    """The mess of real logs, all off by default."""

    radius: bool = False  # RADIUS accounting of every session too (the same session, twice)
    lost: float = 0.0  # share of controller events lost
    skew_s: float = 0.0  # the Aruba controller's clock runs this far ahead
    flap: float = 0.0  # share of visits over 10 min with a 45 s blip at the nearest other site
    outages: int = 0  # sites per day whose APs are down for 2-6 hours


SCENARIOS = {
    "clean": Noise(),
    "duplicated": Noise(radius=True),
    "lost_events": Noise(radius=True, lost=0.03),
    "skewed_clock": Noise(radius=True, skew_s=90),
    "flapping": Noise(flap=0.05),
    "outages": Noise(outages=2),
    "realistic": Noise(radius=True, lost=0.02, skew_s=90, flap=0.03, outages=1),
}


def _ap_table(registry: Registry) -> dict:
    aps = registry.aps.to_pylist()
    first_mac = {}
    for row in registry.ap_macs.to_pylist():
        first_mac.setdefault(row["ap_id"], row["mac"])
    sites = sorted({a["site_id"] for a in aps})
    vendor = {s: VENDORS[i % len(VENDORS)] for i, s in enumerate(sites)}
    by_site: dict[str, list] = {}
    for a in aps:
        mac = first_mac[a["ap_id"]]
        bssid = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
        by_site.setdefault(a["site_id"], []).append((a["ap_name"], bssid))
    return {"by_site": by_site, "vendor": vendor}


def _nearest_other_site(registry: Registry) -> dict[str, str]:
    sites = registry.sites.to_pylist()
    lat = np.array([s["lat"] for s in sites])
    lon = np.array([s["lon"] for s in sites])
    dist = np.hypot(lat[:, None] - lat[None, :], (lon[:, None] - lon[None, :]) * 0.84)
    np.fill_diagonal(dist, np.inf)
    return {s["site_id"]: sites[j]["site_id"] for s, j in zip(sites, dist.argmin(axis=1))}


def session_events(rng, visits: pa.Table, macs, aps: dict) -> dict:
    """Association at a visit's start and disassociation (with duration) at its end, at one AP of
    the site; visits over 15 minutes at multi-AP sites roam once to a second AP half-way."""
    by_site = aps["by_site"]
    site = np.array(visits["site_id"].to_pylist(), dtype=object)
    start = visits["start"].cast(pa.int64()).to_numpy() / 1e6
    end = visits["end"].cast(pa.int64()).to_numpy() / 1e6
    n_aps = np.array([len(by_site[s]) for s in site], dtype=np.int64)
    first_ap = rng.integers(0, 1 << 30, len(site)) % np.maximum(n_aps, 1)
    roam = (n_aps > 1) & (end - start > 900)
    mid = np.where(roam, np.round((start + end) / 2), end)
    seg_site = np.concatenate([site, site[roam]])
    seg_ap = np.concatenate([first_ap, ((first_ap + 1) % np.maximum(n_aps, 1))[roam]])
    device = visits["device_idx"].to_numpy()
    return {"site": seg_site, "ap": seg_ap, "start": np.concatenate([start, mid[roam]]),
            "end": np.concatenate([mid, end[roam]]), "mac": macs[np.concatenate([device, device[roam]])]}


def _flaps(rng, seg: dict, share: float, nearest: dict) -> dict:
    long = np.flatnonzero(seg["end"] - seg["start"] > 600)
    pick = long[rng.random(len(long)) < share]
    at = np.round((seg["start"][pick] + seg["end"][pick]) / 2)
    return {"site": np.array([nearest[s] for s in seg["site"][pick]], dtype=object),
            "ap": np.zeros(len(pick), dtype=np.int64), "start": at, "end": at + 45,
            "mac": seg["mac"][pick]}


def _events(seg: dict, aps: dict) -> pa.Table:
    """Two events per session segment: association, and disassociation carrying its duration."""
    names = np.array([aps["by_site"][s][a][0] for s, a in zip(seg["site"], seg["ap"])], dtype=object)
    bssid = np.array([aps["by_site"][s][a][1] for s, a in zip(seg["site"], seg["ap"])], dtype=object)
    n = len(names)
    return pa.table({
        "ts": np.concatenate([seg["start"], seg["end"]]),
        "site_id": np.concatenate([seg["site"], seg["site"]]).astype(str),
        "ap_name": np.concatenate([names, names]).astype(str),
        "bssid": np.concatenate([bssid, bssid]).astype(str),
        "mac": np.concatenate([seg["mac"], seg["mac"]]),
        "kind": np.repeat(np.array(["association", "disassociation"]), n),
        "duration": np.concatenate([np.full(n, np.nan), seg["end"] - seg["start"]]),
        "rssi": np.full(2 * n, 40),
    })


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


def write_day(con, rng, registry: Registry, visits: pa.Table, macs, day: date, tz,
              outdir: Path, noise: Noise) -> tuple[list[Path], int]:
    """Write one day's logs, a file per vendor (and RADIUS); returns the files and events."""
    aps = _ap_table(registry)
    seg = session_events(rng, visits, macs, aps)
    sessions = _events(seg, aps)
    controller = sessions
    if noise.flap:
        controller = pa.concat_tables([controller, _events(
            _flaps(rng, seg, noise.flap, _nearest_other_site(registry)), aps)])
    vendor = np.array([aps["vendor"][s] for s in controller["site_id"].to_pylist()], dtype=object)
    windows = _outage_windows(rng, aps["by_site"], day, tz, noise.outages) if noise.outages else []
    keep = (rng.random(controller.num_rows) >= noise.lost) & ~_in_outage(controller, windows)
    ts = controller["ts"].to_numpy() + np.where(vendor == "aruba_stm", noise.skew_s, 0.0)
    controller = controller.set_column(0, "ts", pa.array(ts)).filter(pa.array(keep))
    vendor = vendor[keep]
    outputs = [(name, controller.filter(pa.array(vendor == name))) for name in VENDORS]
    if noise.radius:  # an AP that is down carries no session either
        outputs.append(("radius_detail", sessions.filter(pa.array(~_in_outage(sessions, windows)))))
    files, total = [], 0
    con.execute("set variable tz = ?", [str(tz)])
    for name, events in outputs:
        if not events.num_rows:
            continue
        path = outdir / f"{name}_{day:%Y%m%d}.log"
        con.register("events_raw", events)
        con.execute(lake.sql_text("simulate/sim_events"))
        con.execute(lake.sql_text(f"simulate/{name}"), {"path": str(path)})
        con.unregister("events_raw")
        files.append(path)
        total += events.num_rows
    return files, total
