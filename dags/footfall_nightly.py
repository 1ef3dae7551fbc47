"""footfall_nightly: one run per service day, land -> ingest (mapped over the landed files) ->
visits/trips -> marts -> quality gate -> retention.

Thin on purpose: every task calls one function of pipeline.stages with (settings, day); heavy
imports happen inside the tasks. A manual run takes the day as a Param.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, Param, dag, task

from pipeline.alerts import log_failure  # logging only: light to parse

MARTS = Asset("footfall://marts/daily")
TZ = "Asia/Tokyo"


@dag(
    dag_id="footfall_nightly",
    schedule=CronTriggerTimetable("30 2 * * *", timezone=TZ),
    start_date=pendulum.datetime(2024, 4, 2, tz=TZ),
    catchup=True,
    max_active_runs=2,  # days are independent: a lock per day and per file keeps them apart
    tags=["footfall", "nightly"],
    params={"day": Param(None, type=["null", "string"], format="date",
                         description="Service day to process (YYYY-MM-DD); empty: the last "
                                     "complete service day before the run.")},
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5),
                  "retry_exponential_backoff": True, "on_failure_callback": log_failure,
                  "pool": "duckdb"},
    doc_md=__doc__,
)
def footfall_nightly():
    @task
    def service_day(params=None, logical_date=None, run_after=None) -> str:
        from pipeline.calendar import day_of_run
        from pipeline.config import load_settings

        return day_of_run(load_settings(), params.get("day"), logical_date or run_after).isoformat()

    def stage(name: str, **task_kwargs):
        @task(task_id=name, **task_kwargs)
        def run(day: str) -> dict:
            from datetime import date

            from airflow.sdk.exceptions import AirflowFailException

            from pipeline import stages
            from pipeline.config import load_settings

            try:
                return stages.run(load_settings(), name, date.fromisoformat(day))
            except stages.BAD_INPUT as error:  # retrying cannot fix bad input: fail at once
                raise AirflowFailException(str(error)) from None

        return run

    @task
    def pending(day: str) -> list[str]:
        from datetime import date

        from pipeline import stages
        from pipeline.config import load_settings

        return stages.pending(load_settings(), date.fromisoformat(day))

    @task(max_active_tis_per_dagrun=4)
    def ingest(day: str, file_id: str) -> dict:
        """One landed file; the files of a night fan out over the workers (duckdb pool)."""
        from datetime import date

        from airflow.sdk.exceptions import AirflowFailException

        from pipeline import ingest as ingestion
        from pipeline import stages
        from pipeline.config import load_settings

        try:
            return stages.ingest_file(load_settings(), date.fromisoformat(day), file_id)
        except ingestion.IngestError as error:
            raise AirflowFailException(str(error)) from None

    day = service_day()
    files = pending(day)
    stage("land")(day) >> files
    # none_failed: a night with nothing new to ingest (a rerun) still rebuilds its day
    (ingest.partial(day=day).expand(file_id=files)
     >> stage("movement", trigger_rule="none_failed")(day)
     >> stage("marts", outlets=[MARTS])(day) >> stage("quality")(day) >> stage("retention")(day))


footfall_nightly()
