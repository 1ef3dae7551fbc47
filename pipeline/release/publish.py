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
from datetime import date
from importlib.metadata import version
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline import lake
from pipeline.ops import integrity, nightly
from pipeline.release import docs, dp, ledger, package, revision, suppression
from pipeline.calendar import FiscalQuarter, day_type
from pipeline.config import Settings
from pipeline.ingest.registry import registry_for

TABLES = ("footfall_daily", "footfall_profile", "od_flows", "sites")
CELLS = ("daily", "profile", "od")  # sql/release/cells/: the true counts before disclosure control
CALENDAR_SCHEMA = pa.schema([("day", pa.date32()), ("day_type", pa.string())])


SUPPRESSION = (
    "primary: every published count covers at least k devices (devices, visitors, passers_by, "
    "visits, device_hours, device_days, trips), and so does every difference of two counts of a "
    "row that is a count of its own (passers_by = devices - visitors, repeat visits = visits - "
    "devices, repeat trips = trips - device_days; 0 is shown); versions: a value hidden in an "
    "earlier version of the quarter stays hidden, and a value that moved by less than k since "
    "one is hidden, for every count column; secondary: see protection_interval; sensitive sites "
    "publish no figure and no field made from their logs"
)


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
        for name in ("footfall_daily", "footfall_hourly", "od_flows", "ap_health")
    }


def build_tables(settings: Settings, quarter: FiscalQuarter) -> tuple[dict[str, pa.Table], dict | None]:
    """The published tables of a quarter (k-suppressed; noised first when DP is on) and the DP
    report for the manifest (None without DP)."""
    integrity.require(
        nightly.repair(settings, quarter.first_day, quarter.last_day, only=("marts/",)),
        f"the release of {quarter}",
    )
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
            select zone_id, min(zone_name) as zone_name, avg(lat) as lat, avg(lon) as lon,
                   bool_and(sensitive) as sensitive
            from sites group by zone_id
        """)
        params = {**files, "k": settings.k, "days": len(days)}
        cells = {name: lake.query(con, f"release/cells/{name}", params) for name in CELLS}
        report = None
        if not settings.dp_epsilon:
            dp.refuse_downgrade(settings, quarter)
        if settings.dp_epsilon:
            sites = registry.sites.column("site_id").to_pylist()
            zones = sorted(set(registry.sites.column("zone_id").to_pylist()))
            cells, report = dp.privatize(
                settings,
                quarter,
                cells,
                sites,
                zones,
                _built_days(settings, quarter),
                sorted(set(calendar.column("day_type").to_pylist())),
            )
        cells = guard(settings, quarter, cells)
        tables = disclose(con, cells, {**params, "dp": bool(settings.dp_epsilon)})
    finally:
        con.close()
    return tables, report


def guard(settings: Settings, quarter: FiscalQuarter, cells: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The cells with what must be hidden: the primary rule, every earlier version of the quarter
    (revision.py) and the secondary rule against the site totals (suppression.py). Noisy cells
    (DP) are redrawn when the marts change: the budget ledger accounts for every version, and only
    the rule that a hidden value stays hidden applies across versions."""
    earlier = revision.earlier_versions(settings, quarter)
    noisy = bool(settings.dp_epsilon)
    forced = {
        name: revision.forced(name, table.to_pylist(), earlier, settings.k, moved=not noisy)
        for name, table in cells.items()
        if name in suppression.GROUPS
    }
    cells = suppression.apply(cells, forced, [] if noisy else earlier, settings.k)
    return cells if noisy else suppression.across_tables(cells, earlier, day_type)


def disclose(con: duckdb.DuckDBPyConnection, cells: dict[str, pa.Table], params: dict) -> dict[str, pa.Table]:
    """The published tables from their cells: k-suppression, secondary suppression, sensitive
    sites only within zones (sql/release/*.sql over daily_cells, profile_cells, od_cells)."""
    for name, table in cells.items():
        con.register(f"{name}_cells", table)
    return {name: lake.query(con, f"release/{name}", params) for name in TABLES}


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


def _coverage(settings: Settings, quarter: FiscalQuarter, tables: dict) -> dict:
    """Days built, AP uptime (AP-days not silent) and quarantine rate of the quarter.

    Uptime and the events the rate divides by are those of the published (not sensitive) sites:
    whether anyone came to a sensitive site must not move them. Both come from client events,
    outside any privacy budget: a differentially private release does not publish them (None)."""
    figures = {
        "days": len(quarter.days()),
        "days_with_data": len(_built_days(settings, quarter)),
        "ap_uptime": None,
        "quarantine_rate": None,
    }
    if settings.dp_epsilon:
        return figures
    public = [s["site_id"] for s in tables["sites"].to_pylist() if not s["sensitive"]]
    con = lake.connect(settings)
    try:
        health = lake.range_files(settings.marts / "ap_health", quarter.first_day, quarter.last_day)
        uptime, good = (
            con.execute(
                "select avg((status <> 'silent')::int), sum(events) from read_parquet(?) "
                "where list_contains(?, site_id)",
                [health, public],
            ).fetchall()[0]
            if health
            else (None, 0)
        )
        quality = lake.range_files(settings.marts / "quality", quarter.first_day, quarter.last_day)
        bad = (
            con.execute("select sum(quarantined) from read_parquet(?)", [quality]).fetchall()[0][0]
            if quality
            else 0
        )
    finally:
        con.close()
    return {
        **figures,
        "ap_uptime": round(uptime or 0.0, 3),
        "quarantine_rate": round(bad / (bad + good), 3) if bad and good else 0.0,
    }


def _built_days(settings: Settings, quarter: FiscalQuarter) -> list[date]:
    """The days of the quarter whose marts were built (a public fact of the system, not the data)."""
    files = lake.range_files(settings.marts / "footfall_daily", quarter.first_day, quarter.last_day)
    return sorted({date.fromisoformat(Path(f).parent.name[4:]) for f in files})


def missing_days(settings: Settings, quarter: FiscalQuarter) -> list[date]:
    """The service days of a quarter whose marts were not built: what a complete release waits for."""
    built = set(_built_days(settings, quarter))
    return [day for day in quarter.days() if day not in built]


def day_ranges(days: list[date]) -> str:
    """Days as runs of consecutive dates, e.g. '2024-04-01..2024-04-03, 2024-04-07'."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs)


def _previous_headline(settings: Settings, quarter: FiscalQuarter) -> dict:
    path = settings.published / str(quarter) / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")).get("headline", {}) if path.exists() else {}


def _manifest(
    settings: Settings, quarter: FiscalQuarter, root: Path, rows: dict, figures: dict, dp_report: dict | None
) -> dict:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json")
    return {
        "release": str(quarter),
        "period": {"first_day": quarter.first_day.isoformat(), "last_day": quarter.last_day.isoformat()},
        "coverage": {key: figures[key] for key in ("days", "days_with_data", "ap_uptime", "quarantine_rate")},
        "headline": figures,
        "policy": {
            "k": settings.k,
            "suppression": SUPPRESSION,
            "protection_interval": suppression.PROTECTION,
            "differential_privacy": dp_report,
            "gap_s": settings.gap_s,
            "max_transit_s": settings.max_transit_s,
            "flap_s": settings.flap_s,
            "visitor_min_s": settings.visitor_min_s,
            "service_day_start_hour": settings.day_start_hour,
            "timezone": settings.tz,
        },
        "code_version": version("wifi-footfall"),
        "files": [
            {
                "path": p.relative_to(root).as_posix(),
                "sha256": lake.sha256_file(p),
                "bytes": p.stat().st_size,
                **({"rows": rows[p.stem]} if p.stem in rows and p.parent.name == "tables" else {}),
            }
            for p in files
        ],
    }


def _figures_and_report(
    settings: Settings,
    quarter: FiscalQuarter,
    tables: dict,
    staging: Path,
    figures: dict,
    previous: dict,
    last_year: dict,
) -> None:
    """figures/ (PNG 300 dpi + SVG) and report.pdf, drawn from the published tables only."""
    from maps import basemap, report
    from maps.figures import render_figures

    layers = basemap.load(settings.basemap)
    render_figures(tables, layers, staging / "figures")
    report.build_report(
        staging / "report.pdf", quarter, tables, layers, figures, previous, last_year, settings.k
    )


def _write_package(
    settings: Settings, quarter: FiscalQuarter, tables: dict, dp_report: dict | None, staging: Path
) -> dict:
    from maps import render
    from maps.change import previous_sites

    extra = {"dictionary": package.dictionary_table(tables), **package.flowmap_tables(tables)}
    if dp_report:
        extra["dp_accuracy"] = dp.accuracy_table(dp_report)
    for name, table in {**tables, **extra}.items():
        lake.write_bytes(csv_bytes(table), staging / "tables" / f"{name}.csv")
        if name in tables:
            lake.write_parquet(table, staging / "tables" / f"{name}.parquet")
    for name, data in package.geojson(tables).items():
        lake.write_bytes(data, staging / "geo" / name)
    render.render_maps(
        tables,
        staging / "maps",
        title=str(quarter),
        k=settings.k,
        basemap_dir=settings.basemap,
        before=previous_sites(settings.published, quarter),
    )
    figures = docs.headline(tables, quarter, _coverage(settings, quarter, tables))
    previous = _previous_headline(
        settings, FiscalQuarter(quarter.year - (quarter.quarter == 1), (quarter.quarter - 2) % 4 + 1)
    )
    last_year = _previous_headline(settings, FiscalQuarter(quarter.year - 1, quarter.quarter))
    _figures_and_report(settings, quarter, tables, staging, figures, previous, last_year)
    links = sorted(
        p.relative_to(staging).as_posix()
        for p in staging.rglob("*")
        if p.suffix in (".html", ".csv", ".geojson", ".pdf", ".png") and "lib" not in p.parts
    )
    lake.write_bytes(
        docs.index_html(quarter, figures, previous, last_year, links, settings.k).encode("utf-8"),
        staging / "index.html",
    )
    lake.write_bytes(docs.readme(quarter, figures, settings.k).encode("utf-8"), staging / "README.md")
    rows = {name: t.num_rows for name, t in {**tables, **extra}.items()}
    manifest = _manifest(settings, quarter, staging, rows, figures, dp_report)
    lake.write_bytes(
        json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"), staging / "manifest.json"
    )
    return figures


def publish(settings: Settings, quarter: FiscalQuarter) -> Release:
    """Build the release of a fiscal quarter into published/FY<y>Q<n>/ (and its zip beside it),
    replacing an older build, and note it in the catalog."""
    with lake.disk_guard(f"the release of {quarter}", settings.home):
        tables, dp_report = build_tables(settings, quarter)
        final = settings.published / str(quarter)
        staging = settings.published / f".tmp-{quarter}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            figures = _write_package(settings, quarter, tables, dp_report, staging)
            old = settings.published / f".old-{quarter}"
            shutil.rmtree(old, ignore_errors=True)
            if final.exists():
                final.rename(old)  # the previous release stays whole until the new one is in place
            staging.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        archive = package.deterministic_zip(final)
        lake.write_bytes(archive, final.with_suffix(".zip"))
    sha = hashlib.sha256(archive).hexdigest()
    revision.keep(settings, quarter, final, sha)
    ledger.record_release(settings, quarter, sha, final)
    suppressed = {name: sum(t.column("suppressed").to_pylist()) for name, t in tables.items()}
    return Release(
        quarter, final, figures["days_with_data"], {n: t.num_rows for n, t in tables.items()}, suppressed
    )
