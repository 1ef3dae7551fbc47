"""Hand-made daily marts (the layer a release is built from), so that release tests can plant the
small cells, late changes and sensitive-site visits an attacker would exploit, then publish them
with the real pipeline."""

from __future__ import annotations

import random
from datetime import date

import pyarrow as pa

from pipeline import lake

BANDS = ("07-10", "10-13", "13-16", "16-19")


def day_cells(rng: random.Random, sites: list[str], small: float = 0.15) -> dict[str, int]:
    """Devices per site for one day: mostly 10-80, a share of them below 10."""
    return {s: rng.randint(1, 9) if rng.random() < small else rng.randint(10, 80) for s in sites}


def write_day(settings, registry, day: date, devices: dict[str, int]) -> None:
    """The marts of one service day with `devices` per site (other figures follow from it; a site
    with 0 has no row and silent APs)."""
    health = _health(registry, devices)
    devices = {s: n for s, n in devices.items() if n}
    sites = sorted(devices)
    visitors = {s: (n * 3) // 5 for s, n in devices.items()}
    visits = {s: n + (n // 4 if n >= 40 else 0) for s, n in devices.items()}
    parts = {
        "footfall_daily": pa.table(
            {
                "site_id": sites,
                "devices": [devices[s] for s in sites],
                "visitors": [visitors[s] for s in sites],
                "visits": [visits[s] for s in sites],
                "median_dwell_s": [900.0] * len(sites),
                "dwell_total_s": [900 * devices[s] for s in sites],
                "no_data": [False] * len(sites),
                "devices_dp": [devices[s] for s in sites],
                "dp_bound": pa.array([4] * len(sites), pa.int32()),
            }
        ),
        "footfall_hourly": pa.table(
            {
                "site_id": [s for s in sites for _ in range(8, 20)],
                "hour_local": [h for _ in sites for h in range(8, 20)],
                "devices": [max(1, devices[s] // 3) for s in sites for _ in range(8, 20)],
                "no_data": [False] * (12 * len(sites)),
                "devices_dp": [max(1, devices[s] // 3) for s in sites for _ in range(8, 20)],
                "dp_bound": pa.array([8] * (12 * len(sites)), pa.int32()),
            }
        ),
        "od_flows": _od(sites, devices),
        "ap_health": health,
        "quality": pa.table({"events": [sum(devices.values()) * 5], "quarantined": [3]}),
    }
    for name, table in parts.items():
        lake.replace_partition(settings.marts / name, day, {"part.parquet": table})


def _od(sites: list[str], devices: dict[str, int]) -> pa.Table:
    pairs = [(a, b, band) for a in sites for b in sites if a != b for band in BANDS]
    moved = [max(1, min(devices[a], devices[b]) // 6) for a, b, _ in pairs]
    return pa.table(
        {
            "origin_zone_id": [a for a, _, _ in pairs],
            "dest_zone_id": [b for _, b, _ in pairs],
            "hour_band": [band for _, _, band in pairs],
            "trips": moved,
            "devices": moved,
            "median_travel_s": [600.0] * len(pairs),
            "devices_dp": moved,
            "dp_bound": pa.array([3] * len(pairs), pa.int32()),
        }
    )


def _health(registry, devices: dict[str, int]) -> pa.Table:
    aps = [a for a in registry.aps.to_pylist() if a["site_id"] in devices]
    return pa.table(
        {
            "ap_id": [a["ap_id"] for a in aps],
            "site_id": [a["site_id"] for a in aps],
            "status": ["ok" if devices[a["site_id"]] else "silent" for a in aps],
            "events": [devices[a["site_id"]] * 5 for a in aps],
        }
    )
