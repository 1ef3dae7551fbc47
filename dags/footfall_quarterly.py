"""footfall_quarterly: early in each fiscal quarter, publish the quarter that just ended,
provide it to the configured departments (FOOTFALL_RECIPIENTS) and check the KPI ledger.

Japanese fiscal quarters: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar. The data interval of a
run is the quarter itself; a manual run takes the quarter (e.g. FY2024Q1) as a Param. The run
fails, and its failure callback raises the alert, when the quarter ended without a provision.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task

from pipeline.alerts import log_failure  # logging only: light to parse

RELEASE = Asset("footfall://published/quarterly")
TZ = "Asia/Tokyo"


@dag(
    dag_id="footfall_quarterly",
    # the 5th, not the 1st: four days' grace for late logs and the quarter's last nights; the data
    # interval (5th to 5th) still starts inside the quarter it publishes
    schedule=CronDataIntervalTimetable("0 6 5 1,4,7,10 *", timezone=TZ),
    start_date=pendulum.datetime(2024, 4, 5, tz=TZ),
    catchup=True,
    max_active_runs=1,
    tags=["footfall", "quarterly", "release"],
    params={"quarter": Param(None, type=["null", "string"], pattern=r"^FY\d{4}Q[1-4]$",
                             description="Fiscal quarter to publish, e.g. FY2024Q1; empty: "
                                         "the run's data interval.")},
    default_args={"on_failure_callback": log_failure},
    doc_md=__doc__,
)
def footfall_quarterly():
    @task
    def quarter(params=None, data_interval_start=None) -> str:
        from pipeline.calendar import FiscalQuarter
        from pipeline.config import load_settings

        if params.get("quarter"):
            return str(FiscalQuarter.parse(params["quarter"]))
        local = data_interval_start.in_timezone(load_settings().tz).date()
        return str(FiscalQuarter.of(local))

    @task(outlets=[RELEASE])
    def publish(name: str) -> dict:
        from pipeline.calendar import FiscalQuarter
        from pipeline.config import load_settings
        from pipeline.publish import publish as build

        release = build(load_settings(), FiscalQuarter.parse(name))
        return {"quarter": name, "path": str(release.path), "rows": release.rows}

    @task
    def provide(name: str) -> str:
        from pipeline import ledger
        from pipeline.config import load_settings

        settings = load_settings()
        if not settings.recipients:
            return "no FOOTFALL_RECIPIENTS: record the provision with `footfall provide`"
        return ledger.provide(settings, name, list(settings.recipients))[1]

    @task
    def check_kpi(name: str) -> None:
        from datetime import date

        from pipeline import ledger
        from pipeline.calendar import FiscalQuarter
        from pipeline.config import load_settings

        ledger.check_quarter(load_settings(), FiscalQuarter.parse(name), date.today())

    name = quarter()
    publish(name) >> provide(name) >> check_kpi(name)


footfall_quarterly()
