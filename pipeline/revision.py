"""A quarter released again (late logs, a corrected registry) must not let two versions of it be
subtracted to reveal a small count: a cell or a site total whose value moved by less than k
devices since any earlier version of the release is hidden in the new one.

The tables of every version are kept under release_history/<quarter>/<sha>/ (aggregates only),
so the check holds against all earlier versions, not only the last. Quarters cover disjoint days
and no table is cumulative, so one quarter's release shares no cell or margin with another's.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import Settings

HISTORY = "release_history"
# published table -> (its key columns, the count compared, the cells it is built from)
GUARDED = {
    "footfall_daily": (("day", "site_id"), "devices", "daily"),
    "footfall_profile": (("site_id", "day_type", "hour_local"), "device_hours", "profile"),
    "od_flows": (("origin_zone_id", "dest_zone_id"), "device_days", "od"),
}
KEPT = (*GUARDED, "sites")


def _folder(settings: Settings, quarter) -> Path:
    return settings.home / HISTORY / str(quarter)


def earlier_versions(settings: Settings, quarter) -> list[dict[str, list[dict]]]:
    """The published tables of every earlier version of the quarter's release."""
    out = []
    for version in sorted(p for p in _folder(settings, quarter).glob("*") if p.is_dir()):
        out.append({name: pq.read_table(version / f"{name}.parquet").to_pylist() for name in KEPT})
    return out


def keep(settings: Settings, quarter, release: Path, sha: str) -> None:
    """Keep the published tables of a version (once per package checksum)."""
    folder = _folder(settings, quarter) / sha[:16]
    if folder.exists():
        return
    staging = folder.with_name(f".tmp-{folder.name}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in KEPT:
        shutil.copyfile(release / "tables" / f"{name}.parquet", staging / f"{name}.parquet")
    staging.rename(folder)


def _moved_little(value, earlier: set, k: int) -> bool:
    return any(0 < abs((value or 0) - old) < k for old in earlier)


def guard(cells: dict[str, pa.Table], earlier: list[dict], k: int) -> dict[str, pa.Table]:
    """The cells with force_hidden (per cell) and, on the daily cells, total_hidden (per site):
    what must be hidden so that no difference with an earlier version is below k."""
    cells = dict(cells)
    for table, (keys, column, name) in GUARDED.items():
        if name not in cells:
            continue
        shown = defaultdict(set)
        for version in earlier:
            for row in version[table]:
                if row[column] is not None:
                    shown[tuple(row[key] for key in keys)].add(row[column])
        rows = cells[name].select([*keys, column]).to_pylist()
        force = [_moved_little(r[column], shown.get(tuple(r[key] for key in keys), ()), k) for r in rows]
        cells[name] = cells[name].append_column("force_hidden", pa.array(force, pa.bool_()))
    if "daily" in cells:
        totals_before = defaultdict(set)
        for version in earlier:
            for row in version["sites"]:
                if row["device_days"] is not None:
                    totals_before[row["site_id"]].add(row["device_days"])
        totals = defaultdict(int)
        for row in cells["daily"].select(["site_id", "devices"]).to_pylist():
            totals[row["site_id"]] += row["devices"] or 0
        hidden = {site: _moved_little(total, totals_before.get(site, ()), k)
                  for site, total in totals.items()}
        sites = cells["daily"].column("site_id").to_pylist()
        cells["daily"] = cells["daily"].append_column(
            "total_hidden", pa.array([hidden[s] for s in sites], pa.bool_()))
    return cells
