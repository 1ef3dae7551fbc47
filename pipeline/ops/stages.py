"""The nightly steps, each a plain function of (settings, service day), idempotent.

land (inbox -> landing) -> ingest -> movement (visits, trips) -> marts -> quality -> retention.
A rerun replaces that day's partitions. A night (pipeline.ops.nightly.run, the CLI) and each
stage (nightly.stage, an Airflow task) start with recovery.preflight: killed runs' leftovers
cleared, the catalog and the keystore checked against the lake. Nights of different days may run
at once: landing claims each inbox file for one night; ingest holds the lake's "ingest" lock
(landing shares it), and a day's movement first waits for every landing and ingest under way and
ingests what is left, so that a day's events are whole whichever night landed them; later days
built on a day's old figures are rebuilt after the run (pipeline.marts.dependents,
pipeline.ops.nightly).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import pyarrow as pa

from pipeline import lake
from pipeline.ingest import actions, formats, pseudonym
from pipeline.lake import catalog, locks
from pipeline.marts import dependents
from pipeline.movement import model
from pipeline.movement.model import Movement
from pipeline.ops import recovery
from pipeline.calendar import day_type
from pipeline.ingest import landing
from pipeline.ingest import run
from pipeline.ingest import reader
from pipeline.ingest.run import Ingested, IngestedFile
from pipeline.marts import quality_report
from pipeline.marts.quality_report import QualityReport
from pipeline.ops import retention_policy
from pipeline.ops.retention_policy import Retention
from pipeline.config import Settings
from pipeline.ingest.registry import registry_for

log = logging.getLogger(__name__)
R = TypeVar("R")

MARTS = ("footfall_daily", "footfall_hourly", "dwell_buckets", "od_flows")
INGEST_LOCK = "ingest"  # landing shares it; ingest and a day's settling hold it alone


class NoDataError(RuntimeError):
    """A stage found nothing to work on for the day."""


class DayWithoutData(NoDataError):
    """A service day with no data where none was expected: a night to skip, not a failure."""


# Failures that a retry cannot mend: the input or the figures are wrong, not the machine; a lost
# or damaged catalog or keystore waits for the operator (`footfall check --repair`).
BAD_INPUT = (
    NoDataError,
    actions.ActionError,
    reader.IngestError,
    formats.SourcesError,
    quality_report.QualityGateError,
    locks.DayBusyError,
    catalog.CatalogError,
    pseudonym.KeyLostError,
)


@dataclass(frozen=True)
class Closed:
    """A closed day: retention removed its pseudonymised data, its aggregates are kept as they are."""

    closed: bool = True


@dataclass(frozen=True)
class Landed:
    """Files seen in the inbox, and those landed (new content)."""

    seen: int
    landed: int


@dataclass(frozen=True)
class DataCheck:
    """Whether a day has staged events to build on (closed: none, its marts kept)."""

    events_files: int
    closed: bool


@dataclass(frozen=True)
class Marts:
    """Rows written per mart table, and the APs silent on the day."""

    rows: dict[str, int]
    silent_aps: int


# what each stage returns (the run log records it as JSON)
StageResult = Landed | IngestedFile | Ingested | Movement | Marts | QualityReport | Retention | Closed


def _timed(settings: Settings, day: date, stage: str, started: float, result: R) -> R:
    seconds = time.monotonic() - started
    catalog.record_run(settings, day, stage, seconds, result)
    log.info("%s %s: %s in %.2f s", stage, day, result, seconds)
    return result


def land(settings: Settings, day: date) -> Landed:
    """Move every file of the inbox into landing/ (checksummed, each content once)."""
    started = time.monotonic()
    with locks.named_lock(settings, INGEST_LOCK, shared=True):
        inbox = sorted(p for p in settings.inbox.glob("*") if p.is_file() and not p.name.startswith("."))
        landed = landing.land(settings, inbox, move=True, night=day)
    return _timed(settings, day, "land", started, Landed(len(inbox), len(landed)))


def pending(settings: Settings, day: date) -> list[str]:
    """The ids of the landed files still to ingest (for an Airflow task mapped over files)."""
    recovery.preflight(settings)
    return [file_id for file_id, _, _ in run.pending_files(settings)]


def ingest_file(settings: Settings, day: date, file_id: str) -> IngestedFile:
    """Ingest one landed file (many may run at once: each holds its own file's lock)."""
    recovery.preflight(settings)
    started = time.monotonic()
    with locks.named_lock(settings, INGEST_LOCK, shared=True), locks.named_lock(settings, f"file={file_id}"):
        todo = {f: (p, h) for f, p, h in run.pending_files(settings)}
        if file_id not in todo:
            return _timed(settings, day, "ingest_file", started, IngestedFile(file_id, done=True))
        path, hint = todo[file_id]
        return _timed(settings, day, "ingest_file", started, run.ingest_one(settings, file_id, path, hint))


def ingest(settings: Settings, day: date) -> Ingested:
    """Ingest every landed file not ingested yet (files may hold events of several days)."""
    started = time.monotonic()
    with locks.named_lock(settings, INGEST_LOCK):
        totals = run.ingest_pending(settings)
    return _timed(settings, day, "ingest", started, totals)


def data_check(settings: Settings, day: date) -> DataCheck:
    """Whether the day has staged events to build on (or is closed, its marts kept).

    Without them, the quality gate decides: NoDataError when its weekday usually has events (the
    night fails: data was expected), DayWithoutData when there is no usual yet (a night to skip)."""
    events = lake.day_files(settings.events, day)
    if events or _closed(settings, day):
        return DataCheck(len(events), closed=not events)
    usual = quality_report.usual_events(settings, day)
    if usual:
        raise NoDataError(
            f"no staged events for service day {day}, where {usual:.0f} are usual on "
            f"its weekday (the quality gate): check the controllers' delivery into "
            f"{settings.inbox}, then rerun the day."
        )
    raise DayWithoutData(
        f"no data for service day {day}: no log file landed so far holds events of "
        "it, and none was expected (its weekday has no usual figure yet, e.g. a day "
        "before the lake's first data). Skipped; to process it, deliver its logs "
        f"into {settings.inbox} and rerun the day."
    )


def ingest_paths(
    settings: Settings,
    paths: list[Path],
    day: date | None = None,
) -> tuple[list[str], Ingested]:
    """`footfall ingest`: land the given files (left where they are; `day`: the year hint of
    formats without one) and ingest every pending file; the new ids and the totals."""
    with locks.named_lock(settings, INGEST_LOCK):
        return landing.land(settings, paths, year_hint=day), run.ingest_pending(settings)


def reingest(
    settings: Settings, refs: list[str], day: date | None, by: str, fmt: str | None = None
) -> actions.Reingested:
    """`footfall reingest`: read landed files again with the registry in force now (holding the
    ingest lock: no night lands or ingests meanwhile); the days whose nights must run again."""
    with locks.named_lock(settings, INGEST_LOCK):
        ids = actions.file_ids(settings, refs, day)
        return actions.reingest(settings, ids, by, fmt)


def _settle(settings: Settings) -> None:
    """Wait for every landing and ingest under way (another night's file may hold events of this
    day), then ingest what is still pending; another night's bad file is left to that night."""
    with locks.named_lock(settings, INGEST_LOCK):
        if run.pending_files(settings):
            try:
                run.ingest_pending(settings)
            except reader.IngestError as error:
                log.warning("a file landed by another run needs attention: %s", error)


def _closed(settings: Settings, day: date) -> bool:
    """A day whose pseudonymised data retention has removed while its marts are kept."""
    return bool(lake.day_files(settings.marts / MARTS[0], day))


def movement(settings: Settings, day: date) -> Movement | Closed:
    """Visits and trips of the day's devices, from the staged events."""
    started = time.monotonic()
    _settle(settings)
    actions.check_gate(settings, day)  # a file over the quarantine limit holds the day back
    events = lake.day_files(settings.events, day)
    if not events and _closed(settings, day):
        log.warning(
            "service day %s is closed: its events were removed by retention and its key "
            "may be destroyed; its aggregates are kept as they are.",
            day,
        )
        return _timed(settings, day, "movement", started, Closed())
    if not events:
        raise NoDataError(f"no staged events for service day {day}; land and ingest its logs first.")
    return _timed(settings, day, "movement", started, model.build(settings, day, events))


def marts(settings: Settings, day: date) -> Marts | Closed:
    """The day's aggregates with no identifiers: AP health, footfall per site and hour and per
    day (no-data hours marked), dwell buckets, OD flows."""
    started = time.monotonic()
    visits, trips = lake.day_files(settings.visits, day), lake.day_files(settings.trips, day)
    if not visits and _closed(settings, day):
        return _timed(settings, day, "marts", started, Closed())
    if not visits:
        raise NoDataError(f"no visits for service day {day}; run the movement stage first.")
    tables = _build_marts(settings, day, visits, trips)
    ap_today = tables["ap_health"]
    _before_build(settings, day, ap_today)
    for name, table in tables.items():
        lake.replace_partition(settings.marts / name, day, {"part.parquet": table})
    silent = ap_today.column("status").to_pylist().count("silent")
    with catalog.connect(settings) as cat:
        cat.execute(
            """
            insert into day_status (day, needs_build, built_at) values (?, false, ?)
            on conflict (day) do update set needs_build = false, built_at = excluded.built_at
        """,
            [day, catalog.now()],
        )
    return _timed(
        settings,
        day,
        "marts",
        started,
        Marts({name: table.num_rows for name, table in tables.items()}, silent),
    )


def _build_marts(settings: Settings, day: date, visits: list, trips: list) -> dict[str, pa.Table]:
    """The day's marts, in one connection, with the registry in force on the day (ap_health
    first: the others read it as ap_today)."""
    registry = registry_for(settings, day)
    params = {
        "visits": visits,
        "trips": trips,
        "events": lake.day_files(settings.events, day),
        "tz": settings.tz,
        "visitor_min_s": settings.visitor_min_s,
        "day": day,
        "day_start_hour": settings.day_start_hour,
        "dp_max_sites": settings.dp_max_sites,
        "dp_max_hours": settings.dp_max_hours,
        "dp_max_flows": settings.dp_max_flows,
    }
    con = lake.connect(settings)
    try:
        con.register("aps", registry.aps)
        con.register("sites", registry.sites)
        con.register(
            "ap_history",
            lake.read_days(
                con,
                settings.marts / "ap_health",
                day - timedelta(days=dependents.HISTORY_DAYS),
                day - timedelta(days=1),
                dependents.AP_HISTORY_SCHEMA,
            ),
        )
        days = [day - timedelta(days=n) for n in range(dependents.HISTORY_DAYS + 1)]
        con.register("calendar", pa.table({"day": days, "day_type": [day_type(d) for d in days]}))
        ap_today = lake.query(con, "marts/ap_health", params)
        con.register("ap_today", ap_today)
        con.register("no_data", lake.query(con, "marts/no_data_hours", params))
        tables = {"ap_health": ap_today}
        tables.update({name: lake.query(con, f"marts/{name}", params) for name in MARTS})
    finally:
        con.close()
    return tables


def _before_build(settings: Settings, day: date, ap_today: pa.Table) -> None:
    """Before the day's marts are written: its status row (so that marts are never in the lake
    while the catalog knows nothing of their day), and the later days that read its old AP
    health marked for a rebuild."""
    with catalog.connect(settings) as cat:
        cat.execute(
            "insert into day_status (day, needs_build) values (?, true) on conflict (day) do nothing", [day]
        )
    if dependents.changed(
        settings.marts / "ap_health",
        day,
        ap_today,
        [n for n in dependents.AP_HISTORY_SCHEMA.names if n != "day"],
    ):
        dependents.mark(settings, day, "marts")


def quality(settings: Settings, day: date) -> QualityReport | Closed:
    """The night's quality report (marts/quality), then the gate: silent APs, collapsed events."""
    started = time.monotonic()
    if _closed(settings, day) and not lake.day_files(settings.visits, day):
        return _timed(settings, day, "quality", started, Closed())
    return _timed(settings, day, "quality", started, quality_report.report(settings, day))


def report(settings: Settings, day: date, what: str) -> pa.Table:
    """The visits or trips of a processed day with site names, for `footfall show`."""
    files = lake.day_files(settings.visits if what == "visits" else settings.trips, day)
    if not files:
        raise NoDataError(
            f"no {what} for service day {day}: run `footfall nightly --day {day}` "
            "first (or the day is older than the retention of pseudonymised data)."
        )
    con = lake.connect(settings)
    try:
        con.register("sites", registry_for(settings, day).sites)
        return lake.query(con, f"movement/reports/{what}", {what: files})
    finally:
        con.close()


def retention(settings: Settings, day: date) -> Retention:
    """Destroy old keys, purge old raw and pseudonymised files (pipeline time: this day)."""
    started = time.monotonic()
    return _timed(settings, day, "retention", started, retention_policy.retention(settings, day))


# The stages of a night in order, by name: what `call`, pipeline.ops.nightly and the DAG run.
STAGES: dict[str, Callable[[Settings, date], StageResult]] = {
    "land": land,
    "ingest": ingest,
    "movement": movement,
    "marts": marts,
    "quality": quality,
    "retention": retention,
}


def call(settings: Settings, name: str, day: date) -> StageResult:
    """Run one stage by name, a full disk reported as such (no lock: pipeline.ops.nightly holds them)."""
    with lake.disk_guard(f"the {name} stage of service day {day}", settings.home):
        return STAGES[name](settings, day)
