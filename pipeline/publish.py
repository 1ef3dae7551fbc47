"""The quarterly release: suppressed tables, maps, README and manifest in published/FY<y>Q<n>/.

Everything in a release is computed from the marts of the quarter's service days; the files are
deterministic (sorted rows, fixed writer settings, no timestamps), so a rebuild is byte-identical.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa

from pipeline import lake
from pipeline.calendar import FiscalQuarter, day_type
from pipeline.config import Settings
from pipeline.registry import registry_for

TABLES = ("footfall_daily", "footfall_profile", "od_flows", "sites")
CALENDAR_SCHEMA = pa.schema([("day", pa.date32()), ("day_type", pa.string())])


class NothingToPublishError(RuntimeError):
    """The quarter has no marts yet."""


@dataclass(frozen=True)
class Release:
    """A built release: where it is and what it holds."""

    quarter: FiscalQuarter
    path: Path
    days_with_data: int
    rows: dict
    suppressed: dict

    @property
    def flow_map(self) -> Path:
        return self.path / "maps" / "flows.html"

    @property
    def heat_map(self) -> Path:
        return self.path / "maps" / "heatmap.html"


def _mart_files(settings: Settings, quarter: FiscalQuarter) -> dict[str, list[str]]:
    return {
        name: lake.range_files(settings.marts / name, quarter.first_day, quarter.last_day)
        for name in ("footfall_daily", "footfall_hourly", "od_flows")
    }


def build_tables(settings: Settings, quarter: FiscalQuarter) -> dict[str, pa.Table]:
    """The published tables of a quarter, k-suppressed."""
    files = _mart_files(settings, quarter)
    if not files["footfall_daily"]:
        raise NothingToPublishError(
            f"{quarter} has no daily marts under {settings.marts}; run the nightly job for its days."
        )
    registry = registry_for(settings, quarter.last_day)
    days = quarter.days()
    calendar = pa.table({"day": days, "day_type": [day_type(d) for d in days]}, CALENDAR_SCHEMA)
    con = lake.connect(settings)
    try:
        con.register("sites", registry.sites)
        con.register("calendar", calendar)
        con.execute("""
            create temp view zones as
            select zone_id, min(site_name) as zone_name, avg(lat) as lat, avg(lon) as lon,
                   bool_and(sensitive) as sensitive
            from sites group by zone_id
        """)
        params = {**files, "k": settings.k, "days": len(days)}
        tables = {name: lake.query(con, f"release/{name}", params) for name in TABLES}
    finally:
        con.close()
    return tables


def csv_bytes(table: pa.Table) -> bytes:
    """CSV in UTF-8 with BOM (so Excel shows Japanese), empty cells for suppressed values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.column_names)
    for row in zip(*(table.column(c).to_pylist() for c in table.column_names)):
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(settings: Settings, quarter: FiscalQuarter, root: Path, rows: dict,
              days_with_data: int) -> dict:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json")
    return {
        "release": str(quarter),
        "period": {"first_day": quarter.first_day.isoformat(),
                   "last_day": quarter.last_day.isoformat()},
        "coverage": {"days": len(quarter.days()), "days_with_data": days_with_data},
        "policy": {
            "k": settings.k,
            "suppression": "primary (cells below k devices) and secondary (no single hidden day "
                           "per site whose total is shown)",
            "gap_s": settings.gap_s,
            "max_transit_s": settings.max_transit_s,
            "visitor_min_s": settings.visitor_min_s,
            "service_day_start_hour": settings.day_start_hour,
            "timezone": settings.tz,
        },
        "code_version": version("wifi-footfall"),
        "files": [
            {"path": p.relative_to(root).as_posix(), "sha256": _sha256(p), "bytes": p.stat().st_size,
             **({"rows": rows[p.stem]} if p.stem in rows and p.parent.name == "tables" else {})}
            for p in files
        ],
    }


def publish(settings: Settings, quarter: FiscalQuarter) -> Release:
    """Build the release of a fiscal quarter into published/FY<y>Q<n>/, replacing an older one."""
    from maps import render

    tables = build_tables(settings, quarter)
    final = settings.published / str(quarter)
    staging = settings.published / f".tmp-{quarter}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for name, table in tables.items():
            lake.write_bytes(csv_bytes(table), staging / "tables" / f"{name}.csv")
            lake.write_parquet(table, staging / "tables" / f"{name}.parquet")
        render.render_maps(tables, staging / "maps", title=str(quarter), k=settings.k)
        rows = {name: t.num_rows for name, t in tables.items()}
        days_with_data = len(set(tables["footfall_daily"].column("day").to_pylist()))
        manifest = _manifest(settings, quarter, staging, rows, days_with_data)
        lake.write_bytes(json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"),
                         staging / "manifest.json")
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    suppressed = {name: sum(t.column("suppressed").to_pylist()) for name, t in tables.items()}
    return Release(quarter, final, days_with_data, rows, suppressed)
