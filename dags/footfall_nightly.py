"""footfall_nightly: one run per service day, once the day has closed and its logs have had time to
arrive: land -> ingest (mapped over the landed files) -> has_data -> visits/trips -> marts ->
quality gate -> retention.

Thin on purpose: every task calls one function of pipeline.ops.stages with (settings, day); heavy
imports happen inside the tasks. The schedule comes from the settings (FOOTFALL_TZ,
FOOTFALL_DAY_START_HOUR, FOOTFALL_DELIVERY_GRACE_MINUTES), read from the environment when the
file is parsed. A manual run takes the day as a Param.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset, CronTriggerTimetable, Param, dag, task

from pipeline.ops.alerts import log_failure  # logging only: light to parse
from pipeline.calendar import nightly_cron, nightly_run_time
from pipeline.config import load_settings

MARTS = Asset("footfall://marts/daily")
SETTINGS = load_settings()  # environment variables only: no file is read at parse time
AT = nightly_run_time(SETTINGS).strftime("%H:%M")

DOC = f"""{__doc__}
**Schedule**: every day at {AT} {SETTINGS.tz}. Service day D runs from
D {SETTINGS.day_start_hour:02d}:00 to D+1 {SETTINGS.day_start_hour:02d}:00; the first run at {AT}
after it closed, a delivery grace of {SETTINGS.delivery_grace_minutes} min later, processes D.

**No flood**: catchup is off and there is no start date, so unpausing runs the last closed day
only. Days before that, or nights missed while Airflow was down, run as a backfill:
`airflow backfill create --dag-id footfall_nightly --from-date D1 --to-date D2` (the run of date
D+1 processes day D; docs/operations.md).

**A day without data** is skipped (task `has_data`, with the reason) unless data was expected:
when its weekday usually has events (the quality gate's figure), the run fails.

A run triggered while the DAG is paused waits in the queue: unpause the DAG.
"""


@dag(
    dag_id="footfall_nightly",
    description=f"Daily at {AT} {SETTINGS.tz}: the service day that just closed",
    schedule=CronTriggerTimetable(nightly_cron(SETTINGS), timezone=SETTINGS.tz, run_immediately=True),
    catchup=False,  # history and missed nights: `airflow backfill create` (docs/operations.md)
    max_active_runs=2,  # days are independent: a lock per day and per file keeps them apart
    tags=["footfall", "nightly"],
    params={
        "day": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Service day to process (YYYY-MM-DD); empty: the last service "
            "day that closed (plus the delivery grace) before the run.",
        )
    },
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "on_failure_callback": log_failure,
    },
    doc_md=DOC,
)
def footfall_nightly():
    @task
    def service_day(params=None, dag_run=None) -> str:
        from pipeline.calendar import day_of_run

        moment = dag_run.logical_date or dag_run.run_after
        return day_of_run(load_settings(), params.get("day"), moment).isoformat()

    def stage(name: str, **task_kwargs):
        @task(task_id=name, pool="duckdb", **task_kwargs)
        def run(day: str) -> dict:
            from dataclasses import asdict
            from datetime import date

            from airflow.sdk.exceptions import AirflowFailException

            from pipeline.ops import nightly, stages

            try:
                return asdict(nightly.stage(load_settings(), name, date.fromisoformat(day)))
            except stages.BAD_INPUT as error:  # retrying cannot fix bad input: fail at once
                raise AirflowFailException(str(error)) from None

        return run

    @task
    def pending(day: str) -> list[str]:
        from datetime import date

        from pipeline.ops import stages

        return stages.pending(load_settings(), date.fromisoformat(day))

    @task(pool="duckdb", max_active_tis_per_dagrun=4)
    def ingest(day: str, file_id: str) -> dict:
        """One landed file; the files of a night fan out over the workers (duckdb pool)."""
        from dataclasses import asdict
        from datetime import date

        from airflow.sdk.exceptions import AirflowFailException

        from pipeline.ops import stages

        try:
            return asdict(stages.ingest_file(load_settings(), date.fromisoformat(day), file_id))
        except stages.BAD_INPUT as error:  # a bad file, a damaged catalog: a retry cannot mend it
            raise AirflowFailException(str(error)) from None

    # none_failed: a night with nothing new to ingest (a rerun, a day without data) still checks
    @task(trigger_rule="none_failed")
    def has_data(day: str) -> dict:
        """Skip the rest of a night without data, unless data was expected (then fail)."""
        import logging
        from dataclasses import asdict
        from datetime import date

        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from pipeline.ops import stages

        try:
            return asdict(stages.data_check(load_settings(), date.fromisoformat(day)))
        except stages.DayWithoutData as reason:
            logging.getLogger("footfall.nightly").warning("%s", reason)
            raise AirflowSkipException(str(reason)) from None
        except stages.NoDataError as error:
            raise AirflowFailException(str(error)) from None

    day = service_day()
    files = pending(day)
    stage("land")(day) >> files
    (
        ingest.partial(day=day).expand(file_id=files)
        >> has_data(day)
        >> stage("movement")(day)
        >> stage("marts", outlets=[MARTS])(day)
        >> stage("quality")(day)
        # all_done: retention runs after a failed or skipped night too (raw data never outlives its
        # policy because a gate failed or a day had no data)
        >> stage("retention", trigger_rule="all_done")(day)
    )


footfall_nightly()
