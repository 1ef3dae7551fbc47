"""footfall_quarterly: at the start of each fiscal quarter, publish the quarter that just ended.

Japanese fiscal quarters: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar. The data interval of a
run is the quarter itself; a manual run takes the quarter (e.g. FY2024Q1) as a Param.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task

RELEASE = Asset("footfall://published/quarterly")
TZ = "Asia/Tokyo"


@dag(
    dag_id="footfall_quarterly",
    schedule=CronDataIntervalTimetable("0 6 1 1,4,7,10 *", timezone=TZ),
    start_date=pendulum.datetime(2024, 4, 1, tz=TZ),
    catchup=True,
    max_active_runs=1,
    tags=["footfall", "quarterly", "release"],
    params={"quarter": Param(None, type=["null", "string"], pattern=r"^FY\d{4}Q[1-4]$",
                             description="Fiscal quarter to publish, e.g. FY2024Q1; empty: "
                                         "the run's data interval.")},
    doc_md=__doc__,
)
def footfall_quarterly():
    @task(outlets=[RELEASE])
    def publish(params=None, data_interval_start=None) -> dict:
        from pipeline.calendar import FiscalQuarter
        from pipeline.config import load_settings
        from pipeline.publish import publish as build

        settings = load_settings()
        if params.get("quarter"):
            quarter = FiscalQuarter.parse(params["quarter"])
        else:
            quarter = FiscalQuarter.of(data_interval_start.in_timezone(settings.tz).date())
        release = build(settings, quarter)
        return {"quarter": str(quarter), "path": str(release.path), "rows": release.rows}

    publish()


footfall_quarterly()
