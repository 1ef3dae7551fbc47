"""The synthetic city: devices with routines move through the registry's sites and write real logs.

Vectorised (numpy + DuckDB), deterministic for a seed. It writes Cisco Meraki syslog `events` files
into the inbox, one per service day, and the ground truth (device index, site, start, end: never a
MAC) apart from the lake, so tests can hold the pipeline's numbers against what really happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline import lake
from pipeline.calendar import is_holiday
from pipeline.config import Settings
from pipeline.registry import Registry
from pipeline.sources import meraki_syslog

# Routines: share of the population, chance to be out on a working day / a rest day, stops a day,
# the local hour the day starts (mean, sd), and the kinds of site they go to (weights).
ROUTINES = {
    "commuter": (0.35, 0.75, 0.15, (1, 3), (7.6, 0.6), {"station": 6, "civic": 1, "arcade": 1}),
    "office": (0.15, 0.65, 0.05, (1, 3), (8.4, 0.4), {"civic": 5, "branch": 3, "station": 1}),
    "shopper": (0.25, 0.25, 0.45, (2, 4), (12.5, 2.2),
                {"arcade": 6, "culture": 2, "station": 2, "park": 1}),
    "tourist": (0.15, 0.10, 0.25, (2, 4), (10.5, 1.5),
                {"tourist": 5, "culture": 4, "station": 2, "arcade": 2}),
    "evening": (0.10, 0.25, 0.40, (1, 3), (18.5, 1.2), {"arcade": 4, "station": 3, "sports": 2, "park": 1}),
}
# Kinds of site, recognised from 名称, and the median dwell (minutes) people spend there.
KIND_WORDS = [
    ("station", ("駅",)), ("branch", ("支所", "行政センター")), ("civic", ("市役所", "保健所", "消費生活")),
    ("arcade", ("商店街", "竹町", "ポルタ", "通り")),
    ("tourist", ("動物園", "水族館", "ビーチ", "海星館", "港")),
    ("sports", ("スポーツ", "ドーム", "競技場")), ("park", ("公園", "広場", "庭園", "いこい")),
]
DWELL_MIN = {"station": 8, "branch": 20, "civic": 35, "arcade": 30, "tourist": 80, "sports": 120,
             "park": 25, "culture": 60}
LOCAL_ADMIN_SHARE = 0.12  # share of devices that show a randomised (locally administered) MAC


@dataclass(frozen=True)
class SimulationResult:
    """What a simulation wrote: per day, the log file and the number of events and devices."""

    files: list[Path]
    events: int
    devices: int


def site_kind(name: str) -> str:
    """The kind of a site from its 名称 (museums, halls and libraries are 'culture')."""
    for kind, words in KIND_WORDS:
        if any(word in name for word in words):
            return kind
    return "culture"


def _population(rng, n_devices: int):
    names = list(ROUTINES)
    shares = np.array([ROUTINES[r][0] for r in names])
    routine = rng.choice(len(names), size=n_devices, p=shares / shares.sum())
    macs = rng.integers(0, 2**48, size=n_devices, dtype=np.uint64)
    local = rng.random(n_devices) < LOCAL_ADMIN_SHARE
    # A universally administered address has bit 1 of the first octet clear; a randomised one set.
    first_octet_bits = np.uint64(0x02) << np.uint64(40)
    multicast_bit = np.uint64(0x01) << np.uint64(40)
    macs = (macs & ~multicast_bit & ~first_octet_bits) | np.where(local, first_octet_bits, np.uint64(0))
    return names, routine, macs, local


def _site_weights(registry: Registry, names):
    sites = registry.sites.to_pydict()
    kinds = np.array([site_kind(n) for n in sites["site_name"]])
    size = np.array(sites["n_aps"], dtype=float)
    weights = np.stack([
        np.array([ROUTINES[r][5].get(k, 0.1) for k in kinds]) * size for r in names
    ])
    return sites["site_id"], kinds, weights / weights.sum(axis=1, keepdims=True)


def _visits_of_day(rng, day: date, settings: Settings, population, registry: Registry):
    """Ground-truth visits of one service day: device, site, start, end (UTC epoch seconds)."""
    names, routine, _, _ = population
    site_ids, kinds, weights = _site_weights(registry, names)
    rest = day.weekday() >= 5 or is_holiday(day)
    p_out = np.array([ROUTINES[r][2 if rest else 1] for r in names])[routine]
    out = np.flatnonzero(rng.random(len(routine)) < p_out)
    r = routine[out]
    lo = np.array([ROUTINES[n][3][0] for n in names])[r]
    hi = np.array([ROUTINES[n][3][1] for n in names])[r]
    n_stops = rng.integers(lo, hi + 1)
    max_stops = int(n_stops.max(initial=1))
    # Sites: sample per stop from the routine's weights; a repeat of the previous site is redrawn.
    cum = np.cumsum(weights, axis=1)[r]
    stops = np.empty((len(out), max_stops), dtype=np.int64)
    for s in range(max_stops):
        draw = (rng.random((len(out), 1)) > cum).sum(axis=1)
        if s:
            same = draw == stops[:, s - 1]
            draw[same] = (draw[same] + 1 + rng.integers(0, len(site_ids) - 1, same.sum())) % len(site_ids)
        stops[:, s] = np.minimum(draw, len(site_ids) - 1)
    mean_h = np.array([ROUTINES[n][4][0] for n in names])[r]
    sd_h = np.array([ROUTINES[n][4][1] for n in names])[r]
    day_start, _ = settings.day_bounds_local(day)
    midnight = datetime.combine(day, time(0), tzinfo=settings.zone).timestamp()
    first = midnight + np.clip(rng.normal(mean_h, sd_h), 5.0, 22.5) * 3600
    dwell_med = np.array([DWELL_MIN[k] for k in kinds])[stops] * 60.0
    dwell = np.maximum(60.0, dwell_med * rng.lognormal(0.0, 0.5, stops.shape))
    transit = rng.uniform(5 * 60, 40 * 60, stops.shape)
    starts = first[:, None] + np.concatenate(
        [np.zeros((len(out), 1)), np.cumsum(dwell + transit, axis=1)[:, :-1]], axis=1)
    ends = starts + dwell
    valid = (np.arange(max_stops)[None, :] < n_stops[:, None]) & (ends < day_start.timestamp() + 23.5 * 3600)
    device = np.broadcast_to(out[:, None], stops.shape)[valid]
    return pa.table({
        "device_idx": pa.array(device, pa.int64()),
        "site_id": pa.array(np.array(site_ids)[stops[valid]]),
        "start": pa.array(np.round(starts[valid]).astype("int64") * 1_000_000, pa.timestamp("us", "UTC")),
        "end": pa.array(np.round(ends[valid]).astype("int64") * 1_000_000, pa.timestamp("us", "UTC")),
    })


def _events_of_visits(rng, visits: pa.Table, macs, registry: Registry) -> pa.Table:
    """Association at the start and disassociation (with duration) at the end, at one AP of the site;
    visits longer than 15 minutes at multi-AP sites roam once to a second AP half-way."""
    aps = registry.aps.to_pydict()
    by_site: dict[str, list[str]] = {}
    for ap_name, site in zip(aps["ap_name"], aps["site_id"]):
        by_site.setdefault(site, []).append(ap_name)
    site = np.array(visits["site_id"].to_pylist())
    start = visits["start"].cast(pa.int64()).to_numpy() / 1e6
    end = visits["end"].cast(pa.int64()).to_numpy() / 1e6
    n_aps = np.array([len(by_site[s]) for s in site])
    first_ap = rng.integers(0, 1 << 30, len(site)) % n_aps
    roam = (n_aps > 1) & (end - start > 900)
    mid = np.where(roam, np.round((start + end) / 2), end)
    second_ap = (first_ap + 1) % n_aps
    seg_site = np.concatenate([site, site[roam]])
    seg_ap = np.concatenate([first_ap, second_ap[roam]])
    seg_start = np.concatenate([start, mid[roam]])
    seg_end = np.concatenate([mid, end[roam]])
    seg_dev = np.concatenate([visits["device_idx"].to_numpy(), visits["device_idx"].to_numpy()[roam]])
    ap_name = np.array([by_site[s][a] for s, a in zip(seg_site, seg_ap)])
    n = len(seg_site)
    return pa.table({
        "ts": np.concatenate([seg_start, seg_end]),
        "ap_name": np.concatenate([ap_name, ap_name]),
        "mac": np.concatenate([macs[seg_dev], macs[seg_dev]]),
        "kind": np.repeat(np.array(["association", "disassociation"]), n),
        "duration": np.concatenate([np.full(n, np.nan), seg_end - seg_start]),
        "rssi": rng.integers(10, 60, 2 * n),
    })


def simulate(settings: Settings, registry: Registry, first: date, last: date,
             devices: int = 6000, seed: int = 7, outdir: Path | None = None) -> SimulationResult:
    """Simulate service days first..last: Meraki syslog into the inbox, ground truth apart."""
    rng = np.random.default_rng(seed)
    population = _population(rng, devices)
    names, routine, base_macs, local = population
    outdir = outdir or settings.inbox
    outdir.mkdir(parents=True, exist_ok=True)
    files, n_events, n_devices = [], 0, 0
    con = lake.connect(settings, spill=False)
    day = first
    while day <= last:
        # Randomised MACs rotate every day; the truth keeps the device index.
        fresh = rng.integers(0, 2**48, len(base_macs), dtype=np.uint64)
        fresh = (fresh & ~(np.uint64(3) << np.uint64(40))) | (np.uint64(2) << np.uint64(40))
        macs = np.where(local, fresh, base_macs)
        visits = _visits_of_day(rng, day, settings, population, registry)
        events = _events_of_visits(rng, visits, macs, registry)
        path = outdir / f"meraki_{day:%Y%m%d}.log"
        meraki_syslog.write(con, events, path, settings.tz)
        lake.write_parquet(visits, settings.truth / "visits" / f"day={day}" / "part.parquet",
                           sort_by=["device_idx", "start"])
        files.append(path)
        n_events += events.num_rows
        n_devices += len(np.unique(visits["device_idx"].to_numpy()))
        day += timedelta(days=1)
    return SimulationResult(files, n_events, n_devices)
