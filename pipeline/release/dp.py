"""Optional differential privacy of a release (FOOTFALL_DP_EPSILON > 0), with OpenDP.

The unit of privacy is the device-day: pseudonyms rotate every day, so a device's days cannot be
linked, and each device-day counts in a bounded number of cells (the marts' *_dp counts). The
budget epsilon of a release is split in three equal parts over its three count tables; each adds
discrete Laplace noise (OpenDP `make_laplace` on integers) to every cell of a public grid (all
sites x days, sites x day types x hours, zone pairs), so that whether a cell exists says nothing.
k-suppression then runs on the noisy values, which is post-processing and costs no budget.

The noise drawn for a quarter is kept (dp/<quarter>.json, beside the marts that hold the true
counts anyway): a rebuild over unchanged cells gives the same release and spends nothing; a
rebuild over changed cells draws anew and the quarter's spent budget grows by epsilon.

Every draw is charged to the budget ledger (pipeline/release/budget.py): what a quarter has spent is the
sum of its draws, and the manifest states what that means for one device over the quarter and over
the fiscal year.

Published in DP mode: devices (daily), device_hours (profile), device_days (OD), all noisy; the
figures whose contribution is not bounded (visits, visitors, dwell, travel times) are left empty,
and trips are the noisy device-days (one trip per device-day and zone pair). The fields made from
client events outside the budget are not published: the no-data flags and counts (a day whose APs
were silent is a cell like any other, noised), AP uptime and the quarantine rate.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date

import pyarrow as pa

from pipeline import lake
from pipeline.release import budget
from pipeline.calendar import FiscalQuarter
from pipeline.config import Settings

ALPHA = 0.05  # accuracy is reported as the half-width of a 95% interval
HOURS = range(24)
# table -> (the count noised, its bounded true count, the columns left empty)
NOISED = {
    "daily": ("devices", "devices_dp", ("visits", "visitors", "passers_by", "median_dwell_s", "no_data")),
    "profile": ("device_hours", "device_hours_dp", ("no_data_days",)),
    "od": ("device_days", "device_days_dp", ("median_travel_s",)),
}
UNIT = "device-day"
# In a DP release a device-day counts one trip per zone pair at most: trips are the device-days.
SAME_AS = {"od": ("trips",)}


def _opendp():
    import opendp.prelude as dp

    dp.enable_features("contrib")  # the discrete Laplace mechanism is in OpenDP's contrib set
    return dp


def _grids(
    site_ids: list[str], zone_ids: list[str], days: list[date], day_types: list[str]
) -> dict[str, list[tuple]]:
    """The public keys of every table: what exists whatever the data."""
    return {
        "daily": [(d, s) for d in days for s in site_ids],
        "profile": [(s, t, h) for s in site_ids for t in day_types for h in HOURS],
        "od": [(o, d) for o in zone_ids for d in zone_ids if o != d],
    }


KEYS = {
    "daily": ("day", "site_id"),
    "profile": ("site_id", "day_type", "hour_local"),
    "od": ("origin_zone_id", "dest_zone_id"),
}


def _noisy_table(name: str, table: pa.Table, grid: list[tuple], noise: list[int]) -> pa.Table:
    """The grid with the noisy count (never below 0) and the unbounded figures left empty."""
    column, bounded, emptied = NOISED[name]
    keys = KEYS[name]
    rows = {tuple(r[k] for k in keys): r for r in table.to_pylist()}
    out = {k: [g[i] for g in grid] for i, k in enumerate(keys)}
    extra: dict[str, list] = {
        c: []
        for c in table.column_names  # the true bounded counts stay behind
        if c not in keys and c != column and not c.endswith("_dp") and c != "dp_bound"
    }
    values = []
    for key, n in zip(grid, noise):
        row = rows.get(key, {})
        values.append(max(0, (row.get(bounded) or 0) + n))  # no data: a cell like any other
        for c in extra:
            extra[c].append(None if c in emptied else row.get(c))
    out[column] = values
    out.update(extra)
    for copy in SAME_AS.get(name, ()):
        out[copy] = values
    return pa.Table.from_pydict(out, schema=pa.schema([table.schema.field(c) for c in out]))


def _fingerprint(name: str, table: pa.Table) -> str:
    keys = list(KEYS[name]) + [NOISED[name][1]]
    rows = sorted(str(tuple(r[k] for k in keys)) for r in table.select(keys).to_pylist())
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def privatize(
    settings: Settings,
    quarter: FiscalQuarter,
    cells: dict[str, pa.Table],
    site_ids: list[str],
    zone_ids: list[str],
    days: list[date],
    day_types: list[str],
) -> tuple[dict, dict]:
    """Noisy cells of a quarter and the report for the manifest (budget, bounds, accuracy)."""
    dp = _opendp()
    budget.draws(settings, [str(quarter)] if _published_with_dp(settings, quarter) else [])
    epsilon = settings.dp_epsilon / len(NOISED)
    grids = _grids(site_ids, zone_ids, days, day_types)
    store = settings.home / "dp" / f"{quarter}.json"
    kept = json.loads(store.read_text()) if store.exists() else {}
    bounds = {"daily": settings.dp_max_sites, "profile": settings.dp_max_hours, "od": settings.dp_max_flows}
    noisy, report, drawn = {}, {}, []
    tables: dict[str, dict] = {}
    stored = {"epsilon": settings.dp_epsilon, "tables": tables}
    for name, table in cells.items():
        if name not in NOISED:
            noisy[name] = table
            continue
        # the bound in force when the marts were built (the largest, if it changed in the quarter)
        bound = max([b for b in table.column("dp_bound").to_pylist() if b] or [bounds[name]])
        scale = bound / epsilon
        fingerprint = _fingerprint(name, table)
        old = kept.get("tables", {}).get(name, {})
        if old.get("fingerprint") == fingerprint and old.get("scale") == scale:
            noise = old["noise"]
        else:
            noise, draw = _draw(dp, name, len(grids[name]), bound, epsilon, len(days))
            drawn.append(draw)
        tables[name] = {"fingerprint": fingerprint, "scale": scale, "noise": noise}
        noisy[name] = _noisy_table(name, table, grids[name], noise)
        half_width = dp.discrete_laplacian_scale_to_accuracy(scale, ALPHA)
        report[name] = {
            "column": NOISED[name][0],
            "cells": len(grids[name]),
            "epsilon": epsilon,
            "contribution_bound": bound,
            "scale": scale,
            "accuracy_95_per_cell": round(half_width, 1),
        }
    budget.record(settings, quarter, drawn)  # charged before the noise can be used
    lake.write_bytes(json.dumps(stored).encode(), store)
    return noisy, _manifest_report(settings, quarter, report, len(days))


def _draw(dp, name: str, cells: int, bound: int, epsilon: float, days: int) -> tuple[list[int], dict]:
    """Fresh noise for a table's cells, and the row it charges to the budget."""
    scale = bound / epsilon
    mechanism = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale)
    assert mechanism.map(bound) <= epsilon + 1e-9  # the budget this table may spend
    zeros = [0] * cells
    noise = [int(v) for v in mechanism(zeros)]  # noise alone; added to the true counts below
    return noise, {
        "table_name": name,
        "epsilon": epsilon,
        "unit": UNIT,
        "contribution_bound": bound,
        "scale": scale,
        "cells": cells,
        "days": days,
    }


def _manifest_report(settings: Settings, quarter: FiscalQuarter, report: dict, n_days: int) -> dict:
    """What the manifest says of the noise: mechanism, budget spent (from the ledger), accuracy."""
    ledger = budget.draws(settings)
    return {
        "mechanism": "discrete Laplace (OpenDP make_laplace), then k-suppression of noisy cells",
        "unit": UNIT,
        "epsilon_per_release": settings.dp_epsilon,
        "draws_for_quarter": sum(r["release"] == str(quarter) for r in ledger),
        "releases_drawn_for_quarter": len({r["drawn_at"] for r in ledger if r["release"] == str(quarter)}),
        "epsilon_spent_for_quarter": budget.guarantee(ledger, quarter)["epsilon_per_device_day"],
        "guarantee": budget.guarantee(ledger, quarter),
        "ledger": "dp/budget.jsonl and the catalog table dp_draws (append-only, every draw)",
        "not_published_in_dp_mode": [
            "no_data (daily)",
            "no_data_days (profile)",
            "days_with_data, ap_uptime, no_data_hours (sites)",
            "coverage.ap_uptime",
            "coverage.quarantine_rate",
        ],
        "tables": report,
        # a site's quarter total sums n_days noisy cells: its interval widens by about sqrt(n)
        "accuracy_95_site_total": round(1.96 * math.sqrt(2 * n_days) * report["daily"]["scale"], 1),
        "empty_in_dp_mode": {n: list(NOISED[n][2]) for n in NOISED},
        "od_trips": "equal to device_days: one trip per device-day and zone pair",
    }


def refuse_downgrade(settings: Settings, quarter: FiscalQuarter) -> None:
    """Refuse to publish exact values of a quarter that went out with DP, or drew noise, before:
    the exact version beside the noisy ones would undo the noise (found by an outside audit:
    FOOTFALL_DP_EPSILON=0 republished a DP quarter exactly and its manifest forgot the budget)."""
    drawn = any(r["release"] == str(quarter) for r in budget.draws(settings))
    if drawn or _published_with_dp(settings, quarter):
        raise budget.BudgetLedgerError(
            f"{quarter} was released with differential privacy before: publishing it without DP "
            "(FOOTFALL_DP_EPSILON=0) would put its exact counts beside the noisy ones. Publish it "
            "with FOOTFALL_DP_EPSILON set; the budget ledger counts what every version spent."
        )


def _published_with_dp(settings: Settings, quarter) -> bool:
    """Whether a version of the quarter went out with DP (its manifest says so)."""
    manifests = [
        settings.published / str(quarter) / "manifest.json",
        *(settings.home / "release_history" / str(quarter)).glob("*/manifest.json"),
    ]
    return any(
        json.loads(p.read_text(encoding="utf-8"))["policy"].get("differential_privacy")
        for p in manifests
        if p.exists()
    )


def accuracy_table(report: dict) -> pa.Table:
    """The accuracy published beside the noisy tables (tables/dp_accuracy.csv)."""
    rows = [
        (name, r["column"], r["epsilon"], r["contribution_bound"], r["scale"], r["accuracy_95_per_cell"])
        for name, r in report["tables"].items()
    ]
    rows.append(("sites", "device_days", None, None, None, report["accuracy_95_site_total"]))
    names = ("table", "column", "epsilon", "contribution_bound", "noise_scale", "accuracy_95")
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
