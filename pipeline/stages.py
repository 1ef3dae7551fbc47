"""The nightly steps, each a plain function of (settings, service day), idempotent.

land (inbox -> landing) -> ingest -> movement (visits, trips) -> marts -> quality -> retention.
A rerun replaces that day's partitions.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta

import pyarrow as pa

from pipeline import catalog, integrity, lake, locks
from pipeline.calendar import day_type
from pipeline import ingest as ingestion
from pipeline import quality as quality_report
from pipeline import retention as retention_policy
from pipeline.config import Settings
from pipeline.registry import registry_for

log = logging.getLogger(__name__)

MARTS = ("footfall_daily", "footfall_hourly", "dwell_buckets", "od_flows")
HISTORY_DAYS = 14  # AP health and no-data hours compare a day with this many before it
AP_HISTORY_SCHEMA = pa.schema([
    ("ap_id", pa.string()), ("site_id", pa.string()), ("events", pa.int64()),
    ("active_hours", pa.int64()), ("active_mask", pa.int32()), ("hour_events", pa.list_(pa.int64())),
    ("day", pa.date32()),
])


class NoDataError(RuntimeError):
    """A stage found nothing to work on for the day."""


class DayWithoutData(NoDataError):
    """A service day with no data where none was expected: a night to skip, not a failure."""


# Failures that a retry cannot mend: the input or the figures are wrong, not the machine.
BAD_INPUT = (NoDataError, ingestion.IngestError, quality_report.QualityGateError,
             locks.DayBusyError)

def _timed(settings: Settings, day: date, stage: str, started: float, figures: dict) -> dict:
    seconds = time.monotonic() - started
    catalog.record_run(settings, day, stage, seconds, figures)
    log.info("%s %s: %s in %.2f s", stage, day, figures, seconds)
    return figures


def land(settings: Settings, day: date) -> dict:
    """Move every file of the inbox into landing/ (checksummed, each content once)."""
    started = time.monotonic()
    inbox = sorted(p for p in settings.inbox.glob("*") if p.is_file() and not p.name.startswith("."))
    landed = ingestion.land(settings, inbox, year_hint=day, move=True)
    return _timed(settings, day, "land", started, {"seen": len(inbox), "landed": len(landed)})


def pending(settings: Settings, day: date) -> list[str]:
    """The ids of the landed files still to ingest (for an Airflow task mapped over files)."""
    return [file_id for file_id, _, _ in ingestion.pending_files(settings)]


def ingest_file(settings: Settings, day: date, file_id: str) -> dict:
    """Ingest one landed file (many may run at once: each holds its own file's lock)."""
    started = time.monotonic()
    with locks.named_lock(settings, f"file={file_id}"):
        todo = {f: (p, h) for f, p, h in ingestion.pending_files(settings)}
        if file_id not in todo:
            return _timed(settings, day, "ingest_file", started, {"file_id": file_id, "done": True})
        path, hint = todo[file_id]
        return _timed(settings, day, "ingest_file", started,
                      ingestion.ingest_one(settings, file_id, path, hint))


def ingest(settings: Settings, day: date) -> dict:
    """Ingest every landed file not ingested yet (files may hold events of several days)."""
    started = time.monotonic()
    figures = ingestion.ingest(settings)
    return _timed(settings, day, "ingest", started, figures)


def data_check(settings: Settings, day: date) -> dict:
    """Whether the day has staged events to build on (or is closed, its marts kept).

    Without them, the quality gate decides: NoDataError when its weekday usually has events (the
    night fails: data was expected), DayWithoutData when there is no usual yet (a night to skip)."""
    events = lake.day_files(settings.events, day)
    if events or _closed(settings, day):
        return {"events_files": len(events), "closed": not events}
    usual = quality_report.usual_events(settings, day)
    if usual:
        raise NoDataError(f"no staged events for service day {day}, where {usual:.0f} are usual on "
                          f"its weekday (the quality gate): check the controllers' delivery into "
                          f"{settings.inbox}, then rerun the day.")
    raise DayWithoutData(f"no data for service day {day}: no log file landed so far holds events of "
                         "it, and none was expected (its weekday has no usual figure yet, e.g. a day "
                         "before the lake's first data). Skipped; to process it, deliver its logs "
                         f"into {settings.inbox} and rerun the day.")


def _closed(settings: Settings, day: date) -> bool:
    """A day whose pseudonymised data retention has removed while its marts are kept."""
    return bool(lake.day_files(settings.marts / MARTS[0], day))


def movement(settings: Settings, day: date) -> dict:
    """Visits and trips of the day's devices, from the staged events."""
    started = time.monotonic()
    events = lake.day_files(settings.events, day)
    if not events and _closed(settings, day):
        log.warning("service day %s is closed: its events were removed by retention and its key "
                    "may be destroyed; its aggregates are kept as they are.", day)
        return _timed(settings, day, "movement", started, {"closed": True})
    if not events:
        raise NoDataError(f"no staged events for service day {day}; land and ingest its logs first.")
    registry = registry_for(settings, day)
    con = lake.connect(settings)
    try:
        con.register("aps", registry.aps)
        visits = lake.query(con, "curated/visits", {"events": events, "gap_s": settings.gap_s,
                                                    "flap_s": settings.flap_s})
        lake.replace_partition(settings.visits, day, {"part.parquet": visits})
        trips = lake.query(con, "curated/trips", {
            "visits": lake.day_files(settings.visits, day),
            "max_transit_s": settings.max_transit_s,
            "flap_s": settings.flap_s,
        })
        lake.replace_partition(settings.trips, day, {"part.parquet": trips})
        devices = con.execute("select count(distinct device) from read_parquet(?)",
                              [events]).fetchall()[0][0]
    finally:
        con.close()
    return _timed(settings, day, "movement", started, {
        "events_files": len(events), "devices": devices,
        "visits": visits.num_rows, "trips": trips.num_rows,
    })


def marts(settings: Settings, day: date) -> dict:
    """The day's aggregates with no identifiers: AP health, footfall per site and hour and per
    day (no-data hours marked), dwell buckets, OD flows."""
    started = time.monotonic()
    visits, trips = lake.day_files(settings.visits, day), lake.day_files(settings.trips, day)
    if not visits and _closed(settings, day):
        return _timed(settings, day, "marts", started, {"closed": True})
    if not visits:
        raise NoDataError(f"no visits for service day {day}; run the movement stage first.")
    registry = registry_for(settings, day)
    params = {"visits": visits, "trips": trips, "events": lake.day_files(settings.events, day),
              "tz": settings.tz, "visitor_min_s": settings.visitor_min_s, "day": day,
              "day_start_hour": settings.day_start_hour, "dp_max_sites": settings.dp_max_sites,
              "dp_max_hours": settings.dp_max_hours, "dp_max_flows": settings.dp_max_flows}
    con = lake.connect(settings)
    figures = {}
    try:
        con.register("aps", registry.aps)
        con.register("sites", registry.sites)
        con.register("ap_history", lake.read_days(
            con, settings.marts / "ap_health", day - timedelta(days=HISTORY_DAYS),
            day - timedelta(days=1), AP_HISTORY_SCHEMA))
        days = [day - timedelta(days=n) for n in range(HISTORY_DAYS + 1)]
        con.register("calendar", pa.table({"day": days, "day_type": [day_type(d) for d in days]}))
        ap_today = lake.query(con, "marts/ap_health", params)
        con.register("ap_today", ap_today)
        con.register("no_data", lake.query(con, "marts/no_data_hours", params))
        tables = {"ap_health": ap_today}
        tables.update({name: lake.query(con, f"marts/{name}", params) for name in MARTS})
    finally:
        con.close()
    for name, table in tables.items():
        lake.replace_partition(settings.marts / name, day, {"part.parquet": table})
        figures[name] = table.num_rows
    figures["silent_aps"] = ap_today.column("status").to_pylist().count("silent")
    with catalog.connect(settings) as cat:
        cat.execute("""
            insert into day_status (day, needs_build, built_at) values (?, false, ?)
            on conflict (day) do update set needs_build = false, built_at = excluded.built_at
        """, [day, catalog.now()])
    return _timed(settings, day, "marts", started, figures)


def quality(settings: Settings, day: date) -> dict:
    """The night's quality report (marts/quality), then the gate: silent APs, collapsed events."""
    started = time.monotonic()
    if _closed(settings, day) and not lake.day_files(settings.visits, day):
        return _timed(settings, day, "quality", started, {"closed": True})
    return _timed(settings, day, "quality", started, quality_report.report(settings, day))


def report(settings: Settings, day: date, what: str) -> pa.Table:
    """The visits or trips of a processed day with site names, for `footfall show`."""
    files = lake.day_files(settings.visits if what == "visits" else settings.trips, day)
    if not files:
        raise NoDataError(f"no {what} for service day {day}: run `footfall nightly --day {day}` "
                          "first (or the day is older than the retention of pseudonymised data).")
    con = lake.connect(settings)
    try:
        con.register("sites", registry_for(settings, day).sites)
        return lake.query(con, f"reports/{what}", {what: files})
    finally:
        con.close()


def retention(settings: Settings, day: date) -> dict:
    """Destroy old keys, purge old raw and pseudonymised files (pipeline time: this day)."""
    started = time.monotonic()
    return _timed(settings, day, "retention", started, retention_policy.retention(settings, day))


STAGES = ("land", "ingest", "movement", "marts", "quality", "retention")


def run(settings: Settings, name: str, day: date) -> dict:
    """One stage of a night, holding the day's lock: what an Airflow task calls."""
    if name not in STAGES:
        raise ValueError(f"{name!r} is not a stage; one of {', '.join(STAGES)}")
    with locks.day_lock(settings, day):
        return _stage(settings, name, day)


def _stage(settings: Settings, name: str, day: date) -> dict:
    with lake.disk_guard(f"the {name} stage of service day {day}", settings.home):
        return globals()[name](settings, day)


def nightly(settings: Settings, day: date) -> dict:
    """The whole night for one service day, holding the day's lock (a second run waits) and the
    catalog (one connection for the night)."""
    with locks.day_lock(settings, day), catalog.held(settings):
        lake.remove_orphans(settings.home)
        # what the night reads: its own events and the AP health of the days it compares with
        integrity.repair(settings, day, day, only=("events",), held=day)
        integrity.repair(settings, day - timedelta(days=HISTORY_DAYS), day - timedelta(days=1),
                         only=("marts/ap_health",))
        figures = {}
        try:
            for name in STAGES[:-1]:
                figures[name] = _stage(settings, name, day)
        except BaseException:
            # retention runs whatever stopped the night (a failed quality gate, bad input): raw
            # logs and keys must not outlive the policy because one night went wrong
            try:
                _stage(settings, "retention", day)
            except Exception as error:  # the night's own failure is the one to report
                log.error("retention of %s after a failed stage failed too: %s", day, error)
            raise
        figures["retention"] = _stage(settings, "retention", day)
        return figures
