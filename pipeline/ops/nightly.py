"""Running the stages: one stage as an Airflow task (`stage`), the whole night of a service day
(`run`), corrupt partitions rebuilt from the layer below (`repair`), and the later days built on a
day's old figures rebuilt after a run (`rebuild_stale`).

The one module that knows both pipeline.ops.integrity (what is corrupt) and pipeline.ops.stages
(how a day is built): integrity finds and sets aside, the stages compute, this module drives both,
so that neither imports the other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pipeline import lake
from pipeline.config import Settings
from pipeline.lake import catalog, locks
from pipeline.marts import dependents
from pipeline.ingest.run import Ingested
from pipeline.marts.quality_report import QualityGateError, QualityReport
from pipeline.ops import integrity, recovery, stages
from pipeline.ops.retention_policy import Retention
from pipeline.movement.model import Movement
from pipeline.ops.stages import Closed, Landed, Marts, StageResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Night:
    """What each stage of a night did."""

    land: Landed
    ingest: Ingested
    movement: Movement | Closed
    marts: Marts | Closed
    quality: QualityReport | Closed
    retention: Retention


def stage(settings: Settings, name: str, day: date) -> StageResult:
    """One stage of a night, holding the day's lock: what an Airflow task calls. The marts and
    quality stages then rebuild the later days marked stale (holding no lock of this day)."""
    if name not in stages.STAGES:
        raise ValueError(f"{name!r} is not a stage; one of {', '.join(stages.STAGES)}")
    recovery.preflight(settings)
    with then_rebuild_stale(settings, name in ("marts", "quality")), locks.day_lock(settings, day):
        return stages.call(settings, name, day)


def run(settings: Settings, day: date) -> Night:
    """The whole night for one service day, holding the day's lock (a second run waits) and the
    catalog (one connection for the night, let go while it waits for another run's lock); then
    the later days built on this day's old figures are rebuilt."""
    recovery.preflight(settings)
    with then_rebuild_stale(settings), locks.day_lock(settings, day), catalog.held(settings):
        # what the night reads: its own events and the AP health of the days it compares with
        repair(settings, day, day, only=("events",), held=day)
        repair(
            settings,
            day - timedelta(days=dependents.HISTORY_DAYS),
            day - timedelta(days=1),
            only=("marts/ap_health",),
        )
        *before, last = stages.STAGES
        results: dict[str, Any] = {}
        try:
            for name in before:
                results[name] = stages.call(settings, name, day)
        except BaseException:
            # retention runs whatever stopped the night (a failed quality gate, bad input): raw
            # logs and keys must not outlive the policy because one night went wrong
            try:
                stages.call(settings, last, day)
            except Exception as error:  # the night's own failure is the one to report
                log.error("retention of %s after a failed stage failed too: %s", day, error)
            raise
        results[last] = stages.call(settings, last, day)
        return Night(**results)


def repair(
    settings: Settings,
    first: date,
    last: date,
    *,
    only: tuple[str, ...] | None = None,
    held: date | None = None,
) -> integrity.Outcome:
    """Find the corrupt partitions of first..last and rebuild each day from its intact layer
    below with the stages (integrity.repair; `held`: a day whose lock the caller holds)."""
    return integrity.repair(settings, first, last, rebuild=_rebuild_day, only=only, held=held)


def _rebuild_day(settings: Settings, day: date, steps: list[str]) -> None:
    for step in steps:
        try:
            stages.STAGES[step](settings, day)
        except QualityGateError as error:
            log.warning("rebuilt %s; its quality gate says: %s", day, error)


@contextmanager
def then_rebuild_stale(settings: Settings, wanted: bool = True) -> Iterator[None]:
    """After the block (its locks let go), rebuild the days marked stale; when the block failed,
    its error is the one reported and a failed rebuild only logged (the marks stay)."""
    try:
        yield
    except BaseException:
        if wanted:
            try:
                rebuild_stale(settings)
            except Exception as error:
                log.error("days marked for a rebuild stay marked: %s", error)
        raise
    if wanted:
        with lake.disk_guard("the rebuild of days built on changed figures", settings.home):
            rebuild_stale(settings)


def rebuild_stale(settings: Settings) -> list[date]:
    """Rebuild the marts and quality report of every day marked stale (pipeline.marts.dependents),
    each under its own lock; a day whose night runs now is waited for; a closed day
    (pseudonymised data past retention) keeps its aggregates. The days rebuilt."""
    done, seen = [], set()
    while days := [d for d in dependents.marked(settings) if d not in seen]:
        for day in days:
            seen.add(day)
            try:
                with locks.day_lock(settings, day):
                    if _rebuild(settings, day):
                        done.append(day)
                    dependents.unmark(settings, day)
            except locks.DayBusyError as error:
                log.warning("%s stays marked for a rebuild: %s", day, error)
    return done


def _rebuild(settings: Settings, day: date) -> bool:
    """The marts and quality report of one marked day, if it is built and not closed."""
    if not (lake.day_files(settings.visits, day) and lake.day_files(settings.marts / "footfall_daily", day)):
        return False
    stages.marts(settings, day)
    try:
        stages.quality(settings, day)
    except QualityGateError as error:  # the day's own night reported it
        log.warning("rebuilt %s; its quality gate says: %s", day, error)
    return True
