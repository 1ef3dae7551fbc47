"""The synthetic city: people with routines move through the registry's sites and their devices
write real logs.

People, not devices: some carry two devices, some have Wi-Fi off; staff devices sit all day at one
AP of their site; event days (the Tanabata festival in early August, New Year) bring several times
the usual crowd to the arcades and the station. Vectorised (numpy + DuckDB), deterministic for a
seed. Each day's logs go into the inbox in the formats of the city's controllers (pipeline.sim.logs:
every supported format, RADIUS beside them, the noise of real logs if asked) and the ground truth
(device and person indices, site, start, end: never a MAC) apart from the lake, so tests hold the
pipeline's numbers against what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline import lake
from pipeline.calendar import is_holiday
from pipeline.config import Settings
from pipeline.ingest.registry import Registry
from pipeline.sim.logs import Noise, write_day

# Routines: share of the population, chance to be out on a working day / a rest day, stops a day,
# the local hour the day starts (mean, sd), and the kinds of site they go to (weights).
ROUTINES = {
    "commuter": (0.35, 0.75, 0.15, (1, 3), (7.6, 0.6), {"station": 6, "civic": 1, "arcade": 1}),
    "office": (0.15, 0.65, 0.05, (1, 3), (8.4, 0.4), {"civic": 5, "branch": 3, "station": 1}),
    "shopper": (0.25, 0.25, 0.45, (2, 4), (12.5, 2.2), {"arcade": 6, "culture": 2, "station": 2, "park": 1}),
    "tourist": (
        0.15,
        0.10,
        0.25,
        (2, 4),
        (10.5, 1.5),
        {"tourist": 5, "culture": 4, "station": 2, "arcade": 2},
    ),
    "evening": (0.10, 0.25, 0.40, (1, 3), (18.5, 1.2), {"arcade": 4, "station": 3, "sports": 2, "park": 1}),
}
# Kinds of site, recognised from 名称, and the median dwell (minutes) people spend there.
KIND_WORDS = [
    ("station", ("駅",)),
    ("branch", ("支所", "行政センター")),
    ("civic", ("市役所", "保健所", "消費生活")),
    ("arcade", ("商店街", "竹町", "ポルタ", "通り")),
    ("tourist", ("動物園", "水族館", "ビーチ", "海星館", "港")),
    ("sports", ("スポーツ", "ドーム", "競技場")),
    ("park", ("公園", "広場", "庭園", "いこい")),
]
DWELL_MIN = {
    "station": 8,
    "branch": 20,
    "civic": 35,
    "arcade": 30,
    "tourist": 80,
    "sports": 120,
    "park": 25,
    "culture": 60,
}
LOCAL_ADMIN_SHARE = 0.12  # share of devices that show a randomised (locally administered) MAC
WIFI_OFF_SHARE = 0.15  # people whose phone never joins the network: in the truth, not in the logs
SECOND_DEVICE_SHARE = 0.10  # people who carry a second device (a tablet, a router) along
STAFF_KINDS = ("civic", "branch", "culture", "arcade", "station")  # a staff device per AP there
# Event days: (name, is it one, site kinds and their weights, extra people as a share of the
# population, start hour mean and sd). Several times the usual crowd at the event's sites.
EVENTS = (
    (
        "tanabata",
        lambda d: d.month == 8 and d.day <= 7 and d.weekday() >= 4,
        {"arcade": 6, "station": 3, "park": 2, "culture": 1},
        0.5,
        (17.5, 1.5),
    ),
    (
        "new_year",
        lambda d: d.month == 1 and d.day <= 3,
        {"arcade": 5, "station": 4, "park": 2, "culture": 1},
        0.4,
        (11.0, 2.0),
    ),
)


@dataclass(frozen=True)
class SimulationResult:
    """What a simulation wrote: the log files and the number of events and device-days.

    macs_by_day holds, in memory only, each day's MAC of every device index, so that an
    evaluation can pseudonymise the truth the way the pipeline does; it is never written."""

    files: list[Path]
    events: int
    devices: int
    macs_by_day: dict = field(default_factory=dict, repr=False)


def event_of(day: date) -> str | None:
    """The name of the event on a day, if any."""
    return next((name for name, is_on, *_ in EVENTS if is_on(day)), None)


def site_kind(name: str) -> str:
    """The kind of a site from its 名称 (museums, halls and libraries are 'culture')."""
    for kind, words in KIND_WORDS:
        if any(word in name for word in words):
            return kind
    return "culture"


def _random_macs(rng, n: int, local) -> np.ndarray:
    """n unicast MACs; those with `local` set are locally administered (randomised)."""
    macs = rng.integers(0, 2**48, size=n, dtype=np.uint64)
    # A universally administered address has bit 1 of the first octet clear; a randomised one set.
    first_octet_bits = np.uint64(0x02) << np.uint64(40)
    multicast_bit = np.uint64(0x01) << np.uint64(40)
    return (macs & ~multicast_bit & ~first_octet_bits) | np.where(local, first_octet_bits, np.uint64(0))


def _population(rng, n_devices: int):
    """People with a routine, and their devices: (names, routine per person, person per device,
    second-device flag, MAC per device, randomised flag per device)."""
    names = list(ROUTINES)
    shares = np.array([ROUTINES[r][0] for r in names])
    n_people = max(1, round(n_devices / (1 - WIFI_OFF_SHARE + SECOND_DEVICE_SHARE)))
    routine = rng.choice(len(names), size=n_people, p=shares / shares.sum())
    draw = rng.random(n_people)
    devices_of = np.where(draw < WIFI_OFF_SHARE, 0, np.where(draw > 1 - SECOND_DEVICE_SHARE, 2, 1))
    person = np.repeat(np.arange(n_people), devices_of)
    second = np.zeros(len(person), dtype=bool)
    second[1:] = person[1:] == person[:-1]
    local = rng.random(len(person)) < LOCAL_ADMIN_SHARE
    return names, routine, person, second, _random_macs(rng, len(person), local), local


def _site_weights(registry: Registry, kind_weights: list[dict]):
    """Per routine (or event) the probability of each site: kind weight x its number of APs."""
    sites = registry.sites.to_pydict()
    kinds = np.array([site_kind(n) for n in sites["site_name"]])
    size = np.array(sites["n_aps"], dtype=float)
    weights = np.stack([np.array([w.get(k, 0.1) for k in kinds]) * size for w in kind_weights])
    return np.array(sites["site_id"]), kinds, weights / weights.sum(axis=1, keepdims=True)


def _outings(rng, day: date, settings: Settings, weights, group, kinds, n_stops, mean_h, sd_h):
    """The stops of people out on a day: (person row, site index, start, end) in epoch seconds.

    weights: site probabilities per group (routine or event), group: each person's; a repeat of
    the previous site is redrawn. Drawn per group by binary search: memory is per person, never
    per person and site."""
    n, n_sites = len(group), weights.shape[1]
    cum = np.cumsum(weights, axis=1)
    max_stops = int(n_stops.max(initial=1))
    stops = np.empty((n, max_stops), dtype=np.int64)
    for s in range(max_stops):
        u = rng.random(n)
        draw = np.empty(n, dtype=np.int64)
        for g in np.unique(group):
            members = group == g
            draw[members] = np.searchsorted(cum[g], u[members], side="right")
        if s:
            same = draw == stops[:, s - 1]
            draw[same] = (draw[same] + 1 + rng.integers(0, n_sites - 1, same.sum())) % n_sites
        stops[:, s] = np.minimum(draw, n_sites - 1)
    day_start, _ = settings.day_bounds_local(day)
    midnight = datetime.combine(day, time(0), tzinfo=settings.zone).timestamp()
    first = midnight + np.clip(rng.normal(mean_h, sd_h), 5.0, 22.5) * 3600
    dwell_med = np.array([DWELL_MIN[k] for k in kinds])[stops] * 60.0
    dwell = np.maximum(60.0, dwell_med * rng.lognormal(0.0, 0.5, stops.shape))
    transit = rng.uniform(5 * 60, 40 * 60, stops.shape)
    starts = first[:, None] + np.concatenate(
        [np.zeros((n, 1)), np.cumsum(dwell + transit, axis=1)[:, :-1]], axis=1
    )
    ends = starts + dwell
    valid = (np.arange(max_stops)[None, :] < n_stops[:, None]) & (ends < day_start.timestamp() + 23.5 * 3600)
    row = np.broadcast_to(np.arange(n)[:, None], stops.shape)[valid]
    return row, stops[valid], starts[valid], ends[valid]


def _people_visits(rng, day: date, settings: Settings, population, registry: Registry):
    """Where the population's people went: (person, site index, start, end)."""
    names, routine, *_ = population
    site_ids, kinds, weights = _site_weights(registry, [ROUTINES[r][5] for r in names])
    rest = day.weekday() >= 5 or is_holiday(day)
    p_out = np.array([ROUTINES[r][2 if rest else 1] for r in names])[routine]
    out = np.flatnonzero(rng.random(len(routine)) < p_out)
    r = routine[out]
    lo = np.array([ROUTINES[n][3][0] for n in names])[r]
    hi = np.array([ROUTINES[n][3][1] for n in names])[r]
    mean_h = np.array([ROUTINES[n][4][0] for n in names])[r]
    sd_h = np.array([ROUTINES[n][4][1] for n in names])[r]
    row, site, start, end = _outings(
        rng, day, settings, weights, r, kinds, rng.integers(lo, hi + 1), mean_h, sd_h
    )
    return out[row], site, start, end


def _device_visits(rng, population, person, site, start, end):
    """The people's visits as their devices log them: a second device joins a minute apart and
    misses a stop now and then; people with Wi-Fi off have no device."""
    _, _, device_person, second, _, _ = population
    n_people = max(device_person.max(initial=-1), person.max(initial=-1)) + 1
    dev, rows = [], []
    for is_second in (False, True):  # a person's first device, then their second
        devices = np.flatnonzero(second == is_second)
        by_person = np.full(n_people, -1)
        by_person[device_person[devices]] = devices
        own = by_person[person]
        keep = own >= 0
        if is_second:
            keep &= rng.random(len(person)) > 0.2
        dev.append(own[keep])
        rows.append(np.flatnonzero(keep))
    device = np.concatenate(dev)
    row = np.concatenate(rows)
    jitter = np.where(second[device], rng.uniform(-60, 60, len(row)), 0.0)
    return device, row, start[row] + jitter, end[row] + jitter


def _staff_visits(rng, day: date, settings: Settings, registry: Registry, first_index: int):
    """A staff device per AP at staffed sites, all day at one AP: (device, site, start, end, mac)."""
    site_ids, kinds, _ = _site_weights(registry, [{}])
    n_aps = np.array(registry.sites.column("n_aps").to_pylist())
    staffed = np.isin(kinds, STAFF_KINDS)
    if day.weekday() >= 5 or is_holiday(day):  # offices close; shops and stations do not
        staffed &= ~np.isin(kinds, ("civic", "branch"))
    site = np.repeat(np.arange(len(site_ids)), np.where(np.isin(kinds, STAFF_KINDS), n_aps, 0))
    on_duty = staffed[site]
    device = first_index + np.arange(len(site))
    midnight = datetime.combine(day, time(0), tzinfo=settings.zone).timestamp()
    start = midnight + 8.5 * 3600 + rng.normal(0, 900, len(site))
    end = midnight + 17.5 * 3600 + rng.normal(0, 1800, len(site))
    return device[on_duty], site[on_duty], start[on_duty], end[on_duty], len(site)


def _event_visits(rng, day: date, settings: Settings, registry: Registry, n_people: int):
    """The extra crowd of an event day: (person row, site, start, end) and how many came."""
    event = next((e for e in EVENTS if e[1](day)), None)
    if event is None:
        return (np.empty(0, np.int64),) * 2 + (np.empty(0),) * 2 + (0,)
    _, _, weights_by_kind, share, (mean_h, sd_h) = event
    site_ids, kinds, weights = _site_weights(registry, [weights_by_kind])
    n = int(n_people * share)
    row, site, start, end = _outings(
        rng,
        day,
        settings,
        weights,
        np.zeros(n, dtype=np.int64),
        kinds,
        rng.integers(2, 5, n),
        np.full(n, mean_h),
        np.full(n, sd_h),
    )
    return row, site, start, end, n


def _visits_of_day(rng, day: date, settings: Settings, population, registry: Registry):
    """Ground truth of one service day: each device's visits (device, person, site, start, end,
    staff) and the day's MAC of every device index, population first, then staff, then visitors.
    Person indices of staff and event visitors follow the population's people."""
    _, routine, device_person, _, base_macs, local = population
    site_ids = np.array(registry.sites.column("site_id").to_pylist())
    person, site, start, end = _people_visits(rng, day, settings, population, registry)
    device, row, dev_start, dev_end = _device_visits(rng, population, person, site, start, end)
    n_pop = len(base_macs)
    staff_device, staff_site, staff_start, staff_end, n_staff = _staff_visits(
        rng, day, settings, registry, n_pop
    )
    ev_row, ev_site, ev_start, ev_end, n_event = _event_visits(rng, day, settings, registry, len(routine))
    # Randomised MACs rotate every day; staff devices keep theirs; visitors are new every day.
    fresh = _random_macs(rng, n_pop, np.ones(n_pop, dtype=bool))
    staff_macs = _random_macs(np.random.default_rng(len(site_ids)), n_staff, np.zeros(n_staff, bool))
    visitor_macs = _random_macs(rng, n_event, rng.random(n_event) < LOCAL_ADMIN_SHARE)
    macs = np.concatenate([np.where(local, fresh, base_macs), staff_macs, visitor_macs])
    n_people = len(routine)
    parts = [
        (device, device_person[device], site[row], dev_start, dev_end, False),
        (staff_device, n_people + staff_device - n_pop, staff_site, staff_start, staff_end, True),
        (n_pop + n_staff + ev_row, n_people + n_staff + ev_row, ev_site, ev_start, ev_end, False),
    ]
    to_us = lambda t: pa.array(np.round(t).astype("int64") * 1_000_000, pa.timestamp("us", "UTC"))  # noqa: E731
    visits = pa.table(
        {
            "device_idx": pa.array(np.concatenate([p[0] for p in parts]), pa.int64()),
            "person_idx": pa.array(np.concatenate([p[1] for p in parts]), pa.int64()),
            "site_id": pa.array(site_ids[np.concatenate([p[2] for p in parts])]),
            "start": to_us(np.concatenate([p[3] for p in parts])),
            "end": to_us(np.concatenate([p[4] for p in parts])),
            "staff": pa.array(np.concatenate([np.full(len(p[0]), p[5]) for p in parts])),
        }
    )
    people = pa.table(
        {
            "person_idx": pa.array(person, pa.int64()),
            "site_id": pa.array(site_ids[site]),
            "start": to_us(start),
            "end": to_us(end),
        }
    )
    return visits, people, macs


def simulate(
    settings: Settings,
    registry: Registry,
    first: date,
    last: date,
    devices: int = 6000,
    seed: int = 7,
    outdir: Path | None = None,
    noise: Noise | None = None,
    on_day: Callable[[date, list[Path]], None] | None = None,
) -> SimulationResult:
    """Simulate service days first..last: logs into the inbox, ground truth apart.

    devices: the population's devices (its people are about devices / 0.95); staff devices and
    an event day's visitors come on top. on_day(day, files) is called as each day is written."""
    noise = noise or Noise()
    rng = np.random.default_rng(seed)
    population = _population(rng, devices)
    outdir = outdir or settings.inbox
    outdir.mkdir(parents=True, exist_ok=True)
    files, n_events, n_devices, macs_by_day = [], 0, 0, {}
    con = lake.connect(settings, spill=False)
    day = first
    while day <= last:
        visits, people, macs = _visits_of_day(rng, day, settings, population, registry)
        written, events = write_day(con, rng, registry, visits, macs, day, settings.zone, outdir, noise)
        lake.write_parquet(
            visits, settings.truth / "visits" / f"day={day}" / "part.parquet", sort_by=["device_idx", "start"]
        )
        lake.write_parquet(
            people, settings.truth / "people" / f"day={day}" / "part.parquet", sort_by=["person_idx", "start"]
        )
        files.extend(written)
        if on_day is not None:
            on_day(day, written)
        macs_by_day[day] = macs
        n_events += events
        n_devices += len(np.unique(visits["device_idx"].to_numpy()))
        day += timedelta(days=1)
    con.close()
    return SimulationResult(files, n_events, n_devices, macs_by_day)


def metro_registry(sample: Path, out: Path, n_aps: int = 5000, seed: int = 1) -> Path:
    """A registry of about n_aps APs spread around the sample's sites (the `metro` scale).

    Each generated site copies a sample site's kind (its 名称 words) and lies within a few
    kilometres of it; one to three APs a site, each with its own MAC. Written as a registry CSV,
    so it goes through the same loader and validation as a real one."""
    import csv

    rng = np.random.default_rng(seed)
    with open(sample, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    templates = list({row["名称"]: row for row in rows}.values())
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        written, site = 0, 0
        macs = iter(rng.permutation(2**24)[: 2 * n_aps + 8])
        while written < n_aps:
            base = templates[site % len(templates)]
            lat = float(base["緯度"]) + rng.normal(0, 0.025)
            lon = float(base["経度"]) + rng.normal(0, 0.03)
            for ap in range(min(int(rng.integers(1, 4)), n_aps - written)):
                mac = next(macs)
                writer.writerow(
                    {
                        **base,
                        "NO": written + 1,
                        "名称": f"{base['名称']} 第{site + 1}地点",
                        "名称_英語": f"{base['名称_英語']} #{site + 1}",
                        "緯度": f"{lat + rng.normal(0, 0.0003):.6f}",
                        "経度": f"{lon + rng.normal(0, 0.0003):.6f}",
                        "AP_ID": f"METRO-{site + 1:05d}-{ap + 1:02d}",
                        "AP名": f"METRO-{site + 1:05d}-AP{ap + 1:02d}",
                        "AP_MAC": "0c:8e:" + ":".join(f"{(mac >> s) & 0xFF:02x}" for s in (16, 8, 0)) + ":00",
                    }
                )
                written += 1
            site += 1
    return out
