"""The DAG files as Airflow's DAG processor parses them (a DagBag in a process of its own, with the
environment under test); their runs are in test_scheduler.py, on a real scheduler."""

import json
import os
import subprocess
import sys
from pathlib import Path

DAGS = Path(__file__).resolve().parents[2] / "dags"
RUNNER = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
dags = {}
for dag_id in bag.dag_ids:
    dag = bag.dags[dag_id]
    dags[dag_id] = {"tags": sorted(dag.tags), "catchup": dag.catchup,
                    "start_date": str(dag.start_date), "description": dag.description,
                    "doc": dag.doc_md, "cron": dag.timetable.expression,
                    "tz": str(dag.timetable.timezone),
                    "pools": {t.task_id: t.pool for t in dag.tasks},
                    "rules": {t.task_id: getattr(t.trigger_rule, "value", t.trigger_rule) for t in dag.tasks}}
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": dags}))
"""


def parse(tmp_path, **env) -> dict:
    environ = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "FOOTFALL_HOME": str(tmp_path / "var"),
        "FOOTFALL_RECIPIENTS": "",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(DAGS)], env=environ, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_dag_files_parse_with_the_schedule_of_the_settings(tmp_path):
    parsed = parse(tmp_path)
    assert parsed["errors"] == {}
    nightly, quarterly = parsed["dags"]["footfall_nightly"], parsed["dags"]["footfall_quarterly"]
    # day D closes at D+1 04:00 (FOOTFALL_DAY_START_HOUR); an hour's grace for the logs
    assert (nightly["cron"], nightly["tz"]) == ("0 5 * * *", "Asia/Tokyo")
    assert (
        "the first run at 05:00\nafter it closed, a delivery grace of 60 min later, processes D"
        in nightly["doc"]
    )
    assert quarterly["cron"] == "0 6 5 1,4,7,10 *" and quarterly["tz"] == "Asia/Tokyo"
    # no flood on unpause: no catch-up from a start date
    assert [d["catchup"] for d in (nightly, quarterly)] == [False, False]
    assert [d["start_date"] for d in (nightly, quarterly)] == ["None", "None"]
    assert "nightly" in nightly["tags"] and "release" in quarterly["tags"]

    other = parse(
        tmp_path,
        FOOTFALL_TZ="Europe/Berlin",
        FOOTFALL_DAY_START_HOUR="3",
        FOOTFALL_DELIVERY_GRACE_MINUTES="150",
    )["dags"]
    assert other["footfall_nightly"]["cron"] == "30 5 * * *"
    assert other["footfall_nightly"]["tz"] == other["footfall_quarterly"]["tz"] == "Europe/Berlin"


def test_only_the_duckdb_work_takes_the_duckdb_pool(tmp_path):
    dags = parse(tmp_path)["dags"]
    heavy = {task for d in dags.values() for task, pool in d["pools"].items() if pool == "duckdb"}
    assert heavy == {"land", "ingest", "movement", "marts", "quality", "retention", "publish"}


def test_retention_runs_after_a_failed_or_skipped_night(tmp_path):
    rules = parse(tmp_path)["dags"]["footfall_nightly"]["rules"]
    assert rules["retention"] == "all_done"
    assert rules["movement"] == "all_success"  # a skipped has_data skips the night's work


def test_the_quarterly_dag_says_before_its_first_run_that_it_needs_recipients(tmp_path):
    unset = parse(tmp_path)["dags"]["footfall_quarterly"]
    assert "FOOTFALL_RECIPIENTS" in unset["description"]
    assert "Before its first run" in unset["doc"] and "FOOTFALL_RECIPIENTS is not set" in unset["doc"]
    named = parse(tmp_path, FOOTFALL_RECIPIENTS="観光課; 都市交通対策課")["dags"]["footfall_quarterly"]
    assert named["description"] == "Quarterly release, provided to 観光課; 都市交通対策課"
    assert "Before its first run" not in named["doc"]


def test_a_bad_setting_is_an_import_error_that_names_it(tmp_path):
    errors = parse(tmp_path, FOOTFALL_DELIVERY_GRACE_MINUTES="1440")["errors"]
    assert sorted(Path(f).name for f in errors) == ["footfall_nightly.py", "footfall_quarterly.py"]
    assert all("FOOTFALL_DELIVERY_GRACE_MINUTES=1440" in e for e in errors.values())


def test_dag_files_keep_heavy_imports_inside_tasks():
    for path in DAGS.glob("*.py"):
        top = [line for line in path.read_text().splitlines() if line.startswith(("import", "from"))]
        heavy = (
            "duckdb",
            "geopandas",
            "folium",
            "pyarrow",
            "pandas",
            "pipeline.ops.stages",
            "pipeline.release.publish",
            "pipeline.ingest.landing",
            "pipeline.ingest.reader",
            "pipeline.ingest.blocks",
            "pipeline.ingest.run",
            "pipeline.release.ledger",
        )
        assert not [line for line in top if any(h in line for h in heavy)]
