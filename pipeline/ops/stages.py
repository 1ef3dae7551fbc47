"""The nightly steps, each a plain function of (settings, service day), idempotent.

land (inbox -> landing) -> ingest -> movement (visits, trips) -> marts -> quality -> retention.
A rerun replaces that day's partitions. A night (`nightly`, the CLI) and each stage (`run`, an
Airflow task) start with recovery.preflight: killed runs' leftovers cleared, the catalog and the
keystore checked against the lake. Nights of different days may run at once: landing claims each
inbox file for one night; ingest holds the lake's "ingest" lock (landing shares it), and a day's
movement first waits for every landing and ingest under way and ingests what is left, so that a
day's events are whole whichever night landed them; later days built on a day's old figures are
rebuilt after the run (pipeline.marts.dependents).
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from datetime import date, timedelta

import pyarrow as pa

from pipeline import lake
from pipeline.ingest import pseudonym
from pipeline.lake import catalog, locks
from pipeline.marts import dependents
from pipeline.ops import integrity, recovery
from pipeline.calendar import day_type
from pipeline.ingest import landing
from pipeline.marts import quality_report
from pipeline.ops import retention_policy
from pipeline.config import Settings
from pipeline.ingest.registry import registry_for

log = logging.getLogger(__name__)

MARTS = ("footfall_daily", "footfall_hourly", "dwell_buckets", "od_flows")
HISTORY_DAYS = dependents.HISTORY_DAYS
AP_HISTORY_SCHEMA = dependents.AP_HISTORY_SCHEMA
INGEST_LOCK = "ingest"  # landing shares it; ingest and a day's settling hold it alone


class NoDataError(RuntimeError):
    """A stage found nothing to work on for the day."""


class DayWithoutData(NoDataError):
    """A service day with no data where none was expected: a night to skip, not a failure."""


# Failures that a retry cannot mend: the input or the figures are wrong, not the machine; a lost
# or damaged catalog or keystore waits for the operator (`footfall check --repair`).
BAD_INPUT = (NoDataError, landing.IngestError, quality_report.QualityGateError,
             locks.DayBusyError, catalog.CatalogError, pseudonym.KeyLostError)

def _timed(settings: Settings, day: date, stage: str, started: float, figures: dict) -> dict:
    seconds = time.monotonic() - started
    catalog.record_run(settings, day, stage, seconds, figures)
    log.info("%s %s: %s in %.2f s", stage, day, figures, seconds)
    return figures


def land(settings: Settings, day: date) -> dict:
    """Move every file of the inbox into landing/ (checksummed, each content once)."""
    started = time.monotonic()
    with locks.named_lock(settings, INGEST_LOCK, shared=True):
        inbox = sorted(p for p in settings.inbox.glob("*") if p.is_file() and not p.name.startswith("."))
        landed = landing.land(settings, inbox, move=True, night=day)
    return _timed(settings, day, "land", started, {"seen": len(inbox), "landed": len(landed)})


def pending(settings: Settings, day: date) -> list[str]:
    """The ids of the landed files still to ingest (for an Airflow task mapped over files)."""
    recovery.preflight(settings)
    return [file_id for file_id, _, _ in landing.pending_files(settings)]


def ingest_file(settings: Settings, day: date, file_id: str) -> dict:
    """Ingest one landed file (many may run at once: each holds its own file's lock)."""
    recovery.preflight(settings)
    started = time.monotonic()
    with locks.named_lock(settings, INGEST_LOCK, shared=True), \
            locks.named_lock(settings, f"file={file_id}"):
        todo = {f: (p, h) for f, p, h in landing.pending_files(settings)}
        if file_id not in todo:
            return _timed(settings, day, "ingest_file", started, {"file_id": file_id, "done": True})
        path, hint = todo[file_id]
        return _timed(settings, day, "ingest_file", started,
                      landing.ingest_one(settings, file_id, path, hint))


def ingest(settings: Settings, day: date) -> dict:
    """Ingest every landed file not ingested yet (files may hold events of several days)."""
    started = time.monotonic()
    with locks.named_lock(settings, INGEST_LOCK):
        figures = landing.ingest(settings)
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


def ingest_paths(settings: Settings, paths: list, day: date | None = None) -> tuple[list[str], dict]:
    """`footfall ingest`: land the given files (left where they are; `day`: the year hint of
    formats without one) and ingest every pending file; the new ids and the totals."""
    with locks.named_lock(settings, INGEST_LOCK):
        return landing.land(settings, paths, year_hint=day), landing.ingest(settings)


def _settle(settings: Settings) -> None:
    """Wait for every landing and ingest under way (another night's file may hold events of this
    day), then ingest what is still pending; another night's bad file is left to that night."""
    with locks.named_lock(settings, INGEST_LOCK):
        if landing.pending_files(settings):
            try:
                landing.ingest(settings)
            except landing.IngestError as error:
                log.warning("a file landed by another run needs attention: %s", error)


def _closed(settings: Settings, day: date) -> bool:
    """A day whose pseudonymised data retention has removed while its marts are kept."""
    return bool(lake.day_files(settings.marts / MARTS[0], day))


def movement(settings: Settings, day: date) -> dict:
    """Visits and trips of the day's devices, from the staged events."""
    started = time.monotonic()
    _settle(settings)
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
        visits = lake.query(con, "movement/visits", {"events": events, "gap_s": settings.gap_s,
                                                    "flap_s": settings.flap_s})
        lake.replace_partition(settings.visits, day, {"part.parquet": visits})
        trips = lake.query(con, "movement/trips", {
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
    _before_build(settings, day, ap_today)
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


def _before_build(settings: Settings, day: date, ap_today: pa.Table) -> None:
    """Before the day's marts are written: its status row (so that marts are never in the lake
    while the catalog knows nothing of their day), and the later days that read its old AP
    health marked for a rebuild."""
    with catalog.connect(settings) as cat:
        cat.execute("insert into day_status (day, needs_build) values (?, true) "
                    "on conflict (day) do nothing", [day])
    if dependents.changed(settings.marts / "ap_health", day, ap_today,
                          [n for n in AP_HISTORY_SCHEMA.names if n != "day"]):
        dependents.mark(settings, day, "marts")


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
        return lake.query(con, f"movement/reports/{what}", {what: files})
    finally:
        con.close()


def retention(settings: Settings, day: date) -> dict:
    """Destroy old keys, purge old raw and pseudonymised files (pipeline time: this day)."""
    started = time.monotonic()
    return _timed(settings, day, "retention", started, retention_policy.retention(settings, day))


STAGES = ("land", "ingest", "movement", "marts", "quality", "retention")


def run(settings: Settings, name: str, day: date) -> dict:
    """One stage of a night, holding the day's lock: what an Airflow task calls. The marts and
    quality stages then rebuild the later days marked stale (holding no lock of this day)."""
    if name not in STAGES:
        raise ValueError(f"{name!r} is not a stage; one of {', '.join(STAGES)}")
    recovery.preflight(settings)
    with _then_rebuild_stale(settings, name in ("marts", "quality")), locks.day_lock(settings, day):
        return _stage(settings, name, day)


def _stage(settings: Settings, name: str, day: date) -> dict:
    with lake.disk_guard(f"the {name} stage of service day {day}", settings.home):
        return globals()[name](settings, day)


@contextmanager
def _then_rebuild_stale(settings: Settings, wanted: bool = True):
    """After the block (its locks let go), rebuild the days marked stale; when the block failed,
    its error is the one reported and a failed rebuild only logged (the marks stay)."""
    try:
        yield
    except BaseException:
        if wanted:
            try:
                dependents.rebuild_stale(settings)
            except Exception as error:
                log.error("days marked for a rebuild stay marked: %s", error)
        raise
    if wanted:
        with lake.disk_guard("the rebuild of days built on changed figures", settings.home):
            dependents.rebuild_stale(settings)


def nightly(settings: Settings, day: date) -> dict:
    """The whole night for one service day, holding the day's lock (a second run waits) and the
    catalog (one connection for the night, let go while it waits for another run's lock); then
    the later days built on this day's old figures are rebuilt."""
    recovery.preflight(settings)
    with _then_rebuild_stale(settings), locks.day_lock(settings, day), catalog.held(settings):
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
