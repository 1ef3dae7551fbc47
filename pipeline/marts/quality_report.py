"""The nightly data-quality report and the gate that fails a night on bad figures.

One row per service day in marts/quality (counts and shares only), compared with the median of
the same weekday over the recent weeks (at least MIN_WEEKS of them). The gate fails the night when
too many APs are silent while usually active, or events collapse against that median; the report
is written first, so the failure can be read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
import statistics
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import lake
from pipeline.lake import catalog
from pipeline.marts import dependents
from pipeline.config import Settings

WEEKS = dependents.WEEKS
MIN_WEEKS = 3  # one or two days are no usual: after a New Year crowd, every day "collapses"
COMPARED = ("events", "devices", "visits", "trips")
SCHEMA = pa.schema(
    [
        ("events", pa.int64()),
        ("files", pa.int64()),
        ("quarantined", pa.int64()),
        ("quarantined_by_reason", pa.string()),
        ("ignored", pa.int64()),
        ("ignored_by_program", pa.string()),
        ("per_file", pa.string()),  # JSON: file -> format, events, ignored by program, quarantined by reason
        ("devices", pa.int64()),
        ("randomised_share", pa.float64()),
        ("aps", pa.int64()),
        ("silent_aps", pa.int64()),
        ("degraded_aps", pa.int64()),
        ("outage_aps", pa.int64()),
        ("visits", pa.int64()),
        ("visitors", pa.int64()),
        ("trips", pa.int64()),
        *[(f"{name}_weekday_median", pa.float64()) for name in COMPARED],
    ]
)


@dataclass(frozen=True)
class QualityReport:
    """The night's quality report: one row of marts/quality (SCHEMA), JSON columns as text."""

    events: int
    files: int
    quarantined: int
    quarantined_by_reason: str
    ignored: int
    ignored_by_program: str
    per_file: str
    devices: int
    randomised_share: float | None
    aps: int
    silent_aps: int
    degraded_aps: int
    outage_aps: int
    visits: int
    visitors: int
    trips: int
    events_weekday_median: float | None
    devices_weekday_median: float | None
    visits_weekday_median: float | None
    trips_weekday_median: float | None


class QualityGateError(RuntimeError):
    """The night's figures are outside the configured bounds."""


def _ingest_figures(settings: Settings, day: date) -> dict:
    with catalog.connect(settings) as con:
        events, files, macs, randomised = con.execute(
            "select coalesce(sum(events), 0), count(distinct file_id), sum(devices), sum(randomised) "
            "from file_days where day = ?",
            [day],
        ).fetchall()[0]
        reasons = dict(
            con.execute(
                "select q.reason, sum(q.records) from file_quarantine as q join files as f using (file_id) "
                "where f.year_hint = ? group by q.reason order by q.reason",
                [day],
            ).fetchall()
        )
        ignored = dict(
            con.execute(
                "select i.program, sum(i.records) from file_ignored as i join files as f using (file_id) "
                "where f.year_hint = ? group by i.program order by i.program",
                [day],
            ).fetchall()
        )
        per_file = _per_file(con, day)
    return {
        "events": int(events),
        "files": files,
        "quarantined": int(sum(reasons.values())),
        "quarantined_by_reason": json.dumps(reasons, sort_keys=True),
        "ignored": int(sum(ignored.values())),
        "per_file": json.dumps(per_file, sort_keys=True),
        "ignored_by_program": json.dumps(ignored, sort_keys=True),
        "randomised_share": round(randomised / macs, 4) if macs and randomised is not None else None,
    }  # unknown for file days restored from staged events (recovery)


def _per_file(con, day: date) -> dict:
    """Each file of the day: its format, events, ignored records by program / type and
    quarantined records by reason (a file with no event says so: events 0)."""
    files = {}
    for file_id, name, fmt in con.execute(
        "select file_id, name, format from files where year_hint = ? and ingested_at is not null "
        "order by file_id",
        [day],
    ).fetchall():
        events = con.execute(
            "select coalesce(sum(events), 0) from file_days where file_id = ?", [file_id]
        ).fetchall()[0][0]
        files[f"{name} ({file_id})"] = {
            "format": fmt,
            "events": int(events),
            "ignored": dict(
                con.execute(
                    "select program, records from file_ignored where file_id = ? order by program", [file_id]
                ).fetchall()
            ),
            "quarantined": dict(
                con.execute(
                    "select reason, records from file_quarantine where file_id = ? order by reason", [file_id]
                ).fetchall()
            ),
        }
    return files


def _model_figures(settings: Settings, day: date) -> dict:
    visits = lake.day_files(settings.visits, day)
    trips = lake.day_files(settings.trips, day)
    health = lake.day_files(settings.marts / "ap_health", day)
    con = lake.connect(settings)
    try:
        devices, n_visits, visitors = con.execute(
            "select count(distinct device), count(*), count(*) filter (dwell_s >= ?) "
            "from read_parquet(?) where not flap",
            [settings.visitor_min_s, visits],
        ).fetchall()[0]
        n_trips = con.execute("select count(*) from read_parquet(?)", [trips]).fetchall()[0][0]
        aps, silent, degraded, outage = con.execute(
            "select count(*), count(*) filter (status = 'silent'), "
            "count(*) filter (status = 'degraded'), "
            "count(*) filter (status = 'silent' and usually_active) from read_parquet(?)",
            [health],
        ).fetchall()[0]
    finally:
        con.close()
    return {
        "devices": devices,
        "visits": n_visits,
        "visitors": visitors,
        "trips": n_trips,
        "aps": aps,
        "silent_aps": silent,
        "degraded_aps": degraded,
        "outage_aps": outage,
    }


def _weekday_medians(settings: Settings, day: date) -> dict:
    past = [day - timedelta(weeks=w) for w in range(1, WEEKS + 1)]
    rows = []
    for old in past:
        for path in lake.day_files(settings.marts / "quality", old):
            rows.extend(pq.read_table(path).to_pylist())
    return {
        f"{name}_weekday_median": (
            statistics.median(r[name] for r in rows) if len(rows) >= MIN_WEEKS else None
        )
        for name in COMPARED
    }


def usual_events(settings: Settings, day: date) -> float | None:
    """The events usual on the day's weekday (the gate's median), None while there is no usual."""
    return _weekday_medians(settings, day)["events_weekday_median"]


def report(settings: Settings, day: date) -> QualityReport:
    """Build, store and check the quality report of a processed day."""
    figures = {
        **_ingest_figures(settings, day),
        **_model_figures(settings, day),
        **_weekday_medians(settings, day),
    }
    table = pa.Table.from_pylist([figures], SCHEMA)
    if dependents.changed(settings.marts / "quality", day, table, dependents.QUALITY_READ):
        dependents.mark(settings, day, "quality")  # later weekdays compare with these figures
    lake.replace_partition(settings.marts / "quality", day, {"part.parquet": table})
    problems = []
    if figures["aps"] and figures["outage_aps"] / figures["aps"] > settings.gate_max_silent_share:
        problems.append(
            f"{figures['outage_aps']} of {figures['aps']} APs that usually log were "
            f"silent (limit {settings.gate_max_silent_share:.0%}, "
            "FOOTFALL_GATE_MAX_SILENT_SHARE)"
        )
    usual = figures["events_weekday_median"]
    if usual and figures["events"] < settings.gate_min_events_ratio * usual:
        problems.append(
            f"{figures['events']} events against a usual {usual:.0f} on this weekday "
            f"(limit {settings.gate_min_events_ratio:.0%}, FOOTFALL_GATE_MIN_EVENTS_RATIO)"
        )
    if problems:
        raise QualityGateError(
            f"service day {day} failed the quality gate: {'; '.join(problems)}. "
            f"The report is in {settings.marts / 'quality'}; check the "
            "controllers' delivery, then rerun the day."
        )
    return QualityReport(**figures)
