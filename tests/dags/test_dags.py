"""The DAG files on a real Airflow with a SQLite metadata DB in a temporary AIRFLOW_HOME."""

import json
import os
import subprocess
import sys
from datetime import date, datetime, UTC
from pathlib import Path

import duckdb
import pytest

from pipeline import ledger
from pipeline.config import load_settings
from pipeline.registry import load_registry
from pipeline.simulate import simulate

DAGS = Path(__file__).resolve().parents[2] / "dags"
RUNNER = """
import json, sys
import pendulum
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
command = json.loads(sys.argv[2])
if command["do"] == "integrity":
    print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                      "ids": sorted(bag.dag_ids),
                      "tags": {d: sorted(bag.get_dag(d).tags) for d in bag.dag_ids}}))
else:
    dag = bag.get_dag(command["dag"])
    kwargs = {"run_conf": command.get("conf")}
    if command.get("logical_date"):
        kwargs["logical_date"] = pendulum.parse(command["logical_date"])
    run = dag.test(**kwargs)
    print(json.dumps({"state": str(run.state)}))
"""


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    """An Airflow home with a migrated SQLite DB; the lake and keystore beside it."""
    root = tmp_path_factory.mktemp("airflow")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "FOOTFALL_HOME": str(root / "var"),
        "FOOTFALL_KEYSTORE": str(root / "keystore"),
    }
    airflow_bin = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow_bin), "db", "migrate"], env=env, check=True,
                   capture_output=True, timeout=300)
    subprocess.run([str(airflow_bin), "pools", "set", "duckdb", "2", "DuckDB-heavy tasks"],
                   env=env, check=True, capture_output=True, timeout=120)
    return env


def run_airflow(env, command: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", RUNNER, str(DAGS), json.dumps(command)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_dag_files_import_cleanly(airflow):
    result = run_airflow(airflow, {"do": "integrity"})
    assert result["errors"] == {}
    assert result["ids"] == ["footfall_nightly", "footfall_quarterly"]
    assert "nightly" in result["tags"]["footfall_nightly"]


def test_dag_files_keep_heavy_imports_inside_tasks():
    for path in DAGS.glob("*.py"):
        top = [line for line in path.read_text().splitlines() if line.startswith(("import", "from"))]
        heavy = ("duckdb", "geopandas", "folium", "pyarrow", "pandas", "pipeline.stages",
                 "pipeline.publish", "pipeline.ingest")
        assert not [line for line in top if any(h in line for h in heavy)]


def test_nightly_and_quarterly_runs_on_sqlite(airflow):
    settings = load_settings(airflow)
    simulate(settings, load_registry(settings.registry), date(2024, 4, 1), date(2024, 4, 2),
             devices=2500)
    assert run_airflow(airflow, {"do": "test", "dag": "footfall_nightly",
                                 "conf": {"day": "2024-04-01"}})["state"] == "success"
    # a scheduled run at 02:30 on 04-04 processes the last complete service day, 04-02
    assert run_airflow(airflow, {"do": "test", "dag": "footfall_nightly",
                                 "logical_date": "2024-04-04T02:30:00+09:00"})["state"] == "success"
    marts = sorted(p.parent.name for p in (settings.marts / "footfall_daily").glob("*/*.parquet"))
    assert marts == ["day=2024-04-01", "day=2024-04-02"]
    assert not list(settings.inbox.glob("*.log"))  # landed and taken out of the inbox

    before = {p: p.read_bytes() for p in settings.marts.rglob("*.parquet")}
    assert run_airflow(airflow, {"do": "test", "dag": "footfall_nightly",
                                 "conf": {"day": "2024-04-01"}})["state"] == "success"
    assert {p: p.read_bytes() for p in settings.marts.rglob("*.parquet")} == before

    # The quarterly run publishes, provides to the configured departments, then checks the KPI:
    # Apr-Jun 2024 saw no provision, so the run fails (the alert) with its release in place.
    quarterly = {**airflow, "FOOTFALL_RECIPIENTS": "観光課; 都市交通対策課"}
    assert run_airflow(quarterly, {"do": "test", "dag": "footfall_quarterly",
                                   "conf": {"quarter": "FY2024Q1"}})["state"] == "failed"
    assert (settings.published / "FY2024Q1" / "maps" / "flows.html").exists()
    manifest = json.loads((settings.published / "FY2024Q1" / "manifest.json").read_text())
    assert manifest["coverage"]["days_with_data"] == 2
    con = duckdb.connect(str(settings.catalog), read_only=True)
    assert con.execute("select release, recipients from provisions").fetchall() == [
        ("FY2024Q1", "観光課; 都市交通対策課")]
    con.close()
    ledger.provide(settings, "FY2024Q1", ["観光課"], datetime(2024, 5, 1, tzinfo=UTC))
    assert run_airflow(quarterly, {"do": "test", "dag": "footfall_quarterly",
                                   "conf": {"quarter": "FY2024Q1"}})["state"] == "success"
