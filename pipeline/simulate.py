"""The synthetic city: devices with routines move through the registry's sites and write real logs.

Vectorised (numpy + DuckDB), deterministic for a seed. It writes each day's logs into the inbox in
the formats of the city's controllers (pipeline.sim_logs: Meraki, Aruba and hostapd sites, RADIUS
beside them, the noise of real logs if asked) and the ground truth (device index, site, start,
end: never a MAC) apart from the lake, so tests hold the pipeline's numbers against what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline import lake
from pipeline.calendar import is_holiday
from pipeline.config import Settings
from pipeline.registry import Registry
from pipeline.sim_logs import Noise, write_day

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
    """What a simulation wrote: the log files and the number of events and device-days.

    macs_by_day holds, in memory only, each day's MAC of every device index, so that an
    evaluation can pseudonymise the truth the way the pipeline does; it is never written."""

    files: list[Path]
    events: int
    devices: int
    macs_by_day: dict = field(default_factory=dict, repr=False)


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


def simulate(settings: Settings, registry: Registry, first: date, last: date,
             devices: int = 6000, seed: int = 7, outdir: Path | None = None,
             noise: Noise | None = None) -> SimulationResult:
    """Simulate service days first..last: logs into the inbox, ground truth apart."""
    noise = noise or Noise()
    rng = np.random.default_rng(seed)
    population = _population(rng, devices)
    names, routine, base_macs, local = population
    outdir = outdir or settings.inbox
    outdir.mkdir(parents=True, exist_ok=True)
    files, n_events, n_devices, macs_by_day = [], 0, 0, {}
    con = lake.connect(settings, spill=False)
    day = first
    while day <= last:
        # Randomised MACs rotate every day; the truth keeps the device index.
        fresh = rng.integers(0, 2**48, len(base_macs), dtype=np.uint64)
        fresh = (fresh & ~(np.uint64(3) << np.uint64(40))) | (np.uint64(2) << np.uint64(40))
        macs = np.where(local, fresh, base_macs)
        visits = _visits_of_day(rng, day, settings, population, registry)
        written, events = write_day(con, rng, registry, visits, macs, day, settings.zone, outdir,
                                    noise)
        lake.write_parquet(visits, settings.truth / "visits" / f"day={day}" / "part.parquet",
                           sort_by=["device_idx", "start"])
        files.extend(written)
        macs_by_day[day] = macs
        n_events += events
        n_devices += len(np.unique(visits["device_idx"].to_numpy()))
        day += timedelta(days=1)
    con.close()
    return SimulationResult(files, n_events, n_devices, macs_by_day)
