"""footfall_quarterly: early in each fiscal quarter, publish the quarter that just ended once all
its nights are in, provide it to the configured departments (FOOTFALL_RECIPIENTS) and check the
KPI ledger.

Japanese fiscal quarters: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar. A manual run takes the
quarter (e.g. FY2024Q1) as a Param. The run fails, and its failure callback raises the alert, when
the recipients are not set, when nights are still missing after the wait, or when the quarter
that ended last saw no provision although the ledger was in use before it (the KPI alert).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset, CronTriggerTimetable, Param, PokeReturnValue, dag, task

from pipeline.ops.alerts import log_failure  # logging only: light to parse
from pipeline.config import load_settings

RELEASE = Asset("footfall://published/quarterly")
SETTINGS = load_settings()  # environment variables only: no file is read at parse time
WAIT_HOURS = 72  # how long a run waits for the quarter's missing nights before it refuses
NO_RECIPIENTS = (
    "FOOTFALL_RECIPIENTS is not set: footfall_quarterly provides each release to the departments "
    "it names (`;`-separated, e.g. 観光課;都市交通対策課) and counts that for the KPI. Set it in "
    ".env (or the environment) and restart Airflow (`make airflow`), then clear this run."
)
NEEDS = (
    f"Provides each release to: {'; '.join(SETTINGS.recipients)}."
    if SETTINGS.recipients
    else f"**Before its first run**: {NO_RECIPIENTS}"
)

DOC = f"""{__doc__}
{NEEDS}

**Schedule**: the 5th of January, April, July and October at 06:00 {SETTINGS.tz} (four days of
grace for the quarter's last nights), publishing the quarter that ended. No start date: unpausing
schedules the next quarter, never past ones; publish a past quarter with a manual run
(`{{"quarter": "FY2024Q1"}}`).

**Complete quarters only**: task `complete` waits (rechecking every hour, up to `wait_hours`,
default {WAIT_HOURS}) for the quarter's nights, naming the days still missing, then refuses.
To publish a quarter with days missing on purpose, run with `{{"allow_partial": true}}`: the
release's coverage then says how many days it holds.

A run triggered while the DAG is paused waits in the queue: unpause the DAG.
"""


@dag(
    dag_id="footfall_quarterly",
    description=(
        "Quarterly release, provided to " + "; ".join(SETTINGS.recipients)
        if SETTINGS.recipients
        else "Quarterly release: set FOOTFALL_RECIPIENTS first"
    ),
    schedule=CronTriggerTimetable("0 6 5 1,4,7,10 *", timezone=SETTINGS.tz),
    catchup=False,  # and no start date: unpausing schedules the next quarter only
    max_active_runs=1,
    tags=["footfall", "quarterly", "release"],
    params={
        "quarter": Param(
            None,
            type=["null", "string"],
            pattern=r"^FY\d{4}Q[1-4]$",
            description="Fiscal quarter to publish, e.g. FY2024Q1; empty: the last "
            "quarter that ended before the run.",
        ),
        "allow_partial": Param(
            False, type="boolean", description="Publish even with nights missing (coverage says so)."
        ),
        "wait_hours": Param(
            WAIT_HOURS,
            type="integer",
            minimum=0,
            maximum=168,
            description="Hours to wait for missing nights before refusing.",
        ),
    },
    default_args={"on_failure_callback": log_failure},
    doc_md=DOC,
)
def footfall_quarterly():
    @task
    def quarter(params=None, dag_run=None) -> str:
        from pipeline.calendar import quarter_of_run

        moment = dag_run.logical_date or dag_run.run_after
        return str(quarter_of_run(load_settings(), params.get("quarter"), moment))

    @task
    def recipients() -> list[str]:
        """Refuse at once, saying what to set, when there is nobody to provide the release to."""
        from airflow.sdk.exceptions import AirflowFailException

        settings = load_settings()
        if not settings.recipients:
            raise AirflowFailException(NO_RECIPIENTS)
        return list(settings.recipients)

    @task.sensor(poke_interval=3600, timeout=8 * 24 * 3600, mode="reschedule")
    def complete(name: str, params=None, dag_run=None) -> PokeReturnValue:
        """Wait for the quarter's missing nights, naming them; refuse after wait_hours."""
        import logging

        import pendulum
        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.calendar import FiscalQuarter
        from pipeline.release.publish import day_ranges, missing_days

        fq = FiscalQuarter.parse(name)
        missing = missing_days(load_settings(), fq)
        if not missing:
            return PokeReturnValue(is_done=True, xcom_value=len(fq.days()))
        said = (
            f"{fq} has no nightly marts for {len(missing)} of its {len(fq.days())} days: "
            f"{day_ranges(missing)}"
        )
        log = logging.getLogger("footfall.quarterly")
        if params["allow_partial"]:
            log.warning("%s; publishing what there is (allow_partial).", said)
            return PokeReturnValue(is_done=True, xcom_value=len(fq.days()) - len(missing))
        deadline = dag_run.run_after + timedelta(hours=params["wait_hours"])
        if pendulum.now("UTC") >= deadline:
            raise AirflowFailException(
                f"{said}. Refused after waiting {params['wait_hours']} h: run footfall_nightly for "
                f'those days (a run with {{"day": "YYYY-MM-DD"}} or `airflow backfill create`), '
                f"then clear this task; or publish them as missing with a run of "
                f'{{"quarter": "{fq}", "allow_partial": true}}.'
            )
        log.info("%s; waiting for their nights until %s.", said, deadline)
        return PokeReturnValue(is_done=False)

    @task(pool="duckdb", outlets=[RELEASE])
    def publish(name: str) -> dict:
        from pipeline.calendar import FiscalQuarter
        from pipeline.release.publish import publish as build
        from pipeline.ops.recovery import preflight

        settings = load_settings()
        preflight(settings)  # leftovers of killed runs cleared; a damaged catalog said in one line
        release = build(settings, FiscalQuarter.parse(name))
        return {
            "quarter": name,
            "path": str(release.path),
            "rows": release.rows,
            "days_with_data": release.days_with_data,
        }

    @task
    def provide(name: str, to: list[str]) -> str:
        from pipeline.release import ledger

        return ledger.provide(load_settings(), name, to)[1]

    @task
    def check_kpi(dag_run=None) -> str:
        """The KPI alert: the quarter that ended last saw no provision (once the ledger is in use)."""
        from pipeline.release import ledger

        settings = load_settings()
        moment = dag_run.logical_date or dag_run.run_after
        return ledger.check_last_quarter(settings, moment.astimezone(settings.zone).date())

    name = quarter()
    to = recipients()
    ready = complete(name)
    released = publish(name)
    to >> ready >> released >> provide(name, to) >> check_kpi()


footfall_quarterly()
