"""The DAGs on a real Airflow: the scheduler, DAG processor and API server that `make airflow`
starts (python -m pipeline.airflow_local), on a temporary SQLite AIRFLOW_HOME and a free port,
with no activated environment, driven through the REST API as the simple auth manager's admin.

The tests share one Airflow and run in order: the first checks what was started, the second
unpauses, the third runs two nights and the quarter against the CLI on the same logs. Whatever
happens, the fixture stops every process that has this AIRFLOW_HOME in its environment.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import duckdb
import psutil
import pyarrow.parquet as pq
import pytest

from pipeline.airflow_local import LocalAirflow, airflow_env, machine_sizes
from pipeline.calendar import day_of_run
from pipeline.config import load_settings
from pipeline.ingest.registry import load_registry
from pipeline.sim.city import simulate

ROOT = Path(__file__).resolve().parents[2]
DAYS = (date(2024, 4, 1), date(2024, 4, 2))
DEVICES = 300  # a small city: the test is about the scheduling, not the scale
RECIPIENTS = "観光課; 都市交通対策課"
WAIT = 240  # seconds a run may take before the test gives up on it (not an assertion on speed)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ours(session: int) -> list[psutil.Process]:
    """Every live process of the launcher's session: the launcher, its parts and their tasks
    (they make process groups of their own, never sessions)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getsid(proc.pid) == session and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, ProcessLookupError, PermissionError):
            pass
    return found


def until(what: str, check, timeout: float = WAIT):
    """Poll check() until it returns something true; fail saying what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(1)
    raise AssertionError(f"gave up waiting for {what} after {timeout:.0f} s")


class Airflow(LocalAirflow):
    """The test's view of the started Airflow: the REST API plus the lake it works on."""

    def trigger(self, dag_id: str, conf: dict) -> str:
        body = {"logical_date": None, "conf": conf}
        return self.api("POST", f"/api/v2/dags/{dag_id}/dagRuns", body)["dag_run_id"]

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}")

    def runs(self, dag_id: str) -> list[dict]:
        return self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns")["dag_runs"]

    def finished(self, dag_id: str, run_id: str) -> str:
        def state():
            now = self.run(dag_id, run_id)["state"]
            return now if now in ("success", "failed") else None

        return until(f"{dag_id} {run_id} to finish", state)

    def tasks(self, dag_id: str, run_id: str) -> dict[str, str]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances"
        return {t["task_id"]: t["state"] for t in self.api("GET", path)["task_instances"]}

    def log(self, dag_id: str, run_id: str, task_id: str) -> str:
        path = (
            f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/{task_id}"
            "/logs/1?full_content=true"
        )
        return json.dumps(self.api("GET", path)["content"], ensure_ascii=False)

    def xcom(self, dag_id: str, run_id: str, task_id: str):
        path = (
            f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/{task_id}"
            "/xcomEntries/return_value"
        )
        return self.api("GET", path)["value"]


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    """`make airflow`'s launcher on a temporary home and port, stopped whatever happens."""
    root = tmp_path_factory.mktemp("scheduler")
    home, port = root / "airflow", free_port()
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(root),
        "LANG": "C.UTF-8",
        "AIRFLOW_HOME": str(home),
        "FOOTFALL_HOME": str(root / "var"),
        "FOOTFALL_KEYSTORE": str(root / "keystore"),
        "FOOTFALL_RECIPIENTS": RECIPIENTS,
    }
    output = root / "launcher.out"
    with open(output, "wb") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "pipeline.airflow_local", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        until(
            "the launcher to say Airflow is ready",
            lambda: "Airflow is ready" in output.read_text() or launcher.poll() is not None,
            300,
        )
        assert launcher.poll() is None, output.read_text()
        client = Airflow(airflow_env(env, home, port, ROOT / "dags"))
        client.settings, client.output, client.session = load_settings(env), output, launcher.pid
        yield client
    finally:
        stop(launcher)


def stop(launcher: subprocess.Popen) -> None:
    """Stop the launcher as Ctrl-C would; then nothing of this home may be left running."""
    if launcher.poll() is None:
        launcher.send_signal(signal.SIGINT)
        try:
            launcher.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
    left = ours(launcher.pid)
    for proc in left:
        proc.kill()
    assert not left, f"left running after the launcher stopped: {[p.cmdline() for p in left]}"


def test_airflow_listens_on_loopback_only_with_its_executor_sized_for_the_machine(airflow):
    sizes = machine_sizes()
    listening = {
        (c.laddr.ip, c.laddr.port)
        for p in ours(airflow.session)
        for c in p.net_connections("inet")
        if c.status == psutil.CONN_LISTEN
    }
    assert listening == {("127.0.0.1", airflow.port)}
    workers = [p for p in ours(airflow.session) if "LocalExecutor" in " ".join(p.cmdline())]
    assert len(workers) == sizes["parallelism"]
    assert airflow.api("GET", "/api/v2/pools/duckdb")["slots"] == sizes["duckdb_slots"]
    said = airflow.output.read_text()
    assert str(airflow.password_file) in said and airflow.password_file.exists()
    assert "footfall_nightly: paused" in said and "IMPORT ERROR" not in said


def test_unpausing_runs_the_last_closed_day_only_and_a_quarter_without_nights_is_refused(airflow):
    airflow.api("PATCH", "/api/v2/dags/footfall_quarterly", {"is_paused": False})
    refused = airflow.trigger("footfall_quarterly", {"quarter": "FY2024Q1", "wait_hours": 0})
    airflow.api("PATCH", "/api/v2/dags/footfall_nightly", {"is_paused": False})
    (scheduled,) = until("the scheduled night", lambda: airflow.runs("footfall_nightly"))
    assert scheduled["run_type"] == "scheduled"
    assert airflow.finished("footfall_nightly", scheduled["dag_run_id"]) == "success"
    tasks = airflow.tasks("footfall_nightly", scheduled["dag_run_id"])
    assert tasks["land"] == "success" and tasks["has_data"] == "skipped"
    assert tasks["movement"] == tasks["marts"] == "skipped"
    assert tasks["retention"] == "success"  # retention runs on a night without data too
    day = airflow.xcom("footfall_nightly", scheduled["dag_run_id"], "service_day")
    logical = datetime.fromisoformat(scheduled["logical_date"])
    assert day == day_of_run(airflow.settings, None, logical).isoformat()
    assert f"no data for service day {day}" in airflow.log(
        "footfall_nightly", scheduled["dag_run_id"], "has_data"
    )
    assert len(airflow.runs("footfall_nightly")) == 1  # no flood of days before it

    assert airflow.finished("footfall_quarterly", refused) == "failed"
    assert airflow.tasks("footfall_quarterly", refused)["complete"] == "failed"
    assert "FY2024Q1 has no nightly marts for 91 of its 91 days: 2024-04-01..2024-06-30" in airflow.log(
        "footfall_quarterly", refused, "complete"
    )
    assert not (airflow.settings.published / "FY2024Q1").exists()

    waiting = airflow.trigger("footfall_quarterly", {"quarter": "FY2024Q1", "wait_hours": 1})
    until(
        "the quarter to wait for its nights",
        lambda: airflow.tasks("footfall_quarterly", waiting).get("complete") == "up_for_reschedule",
    )
    assert "91 of its 91 days: 2024-04-01..2024-06-30; waiting for their nights until" in airflow.log(
        "footfall_quarterly", waiting, "complete"
    )
    airflow.api(
        "PATCH", f"/api/v2/dags/footfall_quarterly/dagRuns/{quote(waiting, safe='')}", {"state": "failed"}
    )  # the operator gives up on it: the next run may start
    assert airflow.finished("footfall_quarterly", waiting) == "failed"
    assert [r["run_type"] for r in airflow.runs("footfall_quarterly")] == ["manual", "manual"]


def cli_lake(root: Path, outbox: Path) -> Path:
    """The same logs through the CLI: `footfall nightly` for each day, then `footfall publish`."""
    env = {**os.environ, "FOOTFALL_HOME": str(root / "var"), "FOOTFALL_KEYSTORE": str(root / "keystore")}
    footfall = str(Path(sys.executable).with_name("footfall"))
    inbox = root / "var" / "inbox"
    inbox.mkdir(parents=True)
    for day in DAYS:
        for path in sorted((outbox / str(day)).iterdir()):
            shutil.copy(path, inbox / path.name)
        subprocess.run(
            [footfall, "nightly", "--day", str(day)], env=env, check=True, capture_output=True, timeout=300
        )
    subprocess.run(
        [footfall, "publish", "--quarter", "FY2024Q1"], env=env, check=True, capture_output=True, timeout=300
    )
    return root / "var"


def tables(marts: Path) -> dict[str, object]:
    return {p.relative_to(marts).as_posix(): pq.read_table(p) for p in sorted(marts.rglob("*.parquet"))}


def test_two_nights_and_the_quarter_through_the_api_equal_the_cli(airflow, tmp_path):
    settings = airflow.settings
    outbox = tmp_path / "outbox"
    for day in DAYS:
        simulate(
            settings, load_registry(settings.registry), day, day, devices=DEVICES, outdir=outbox / str(day)
        )
    cli = cli_lake(tmp_path / "cli", outbox)

    for day in DAYS:  # a day's logs arrive whole, then its night is triggered
        settings.inbox.mkdir(parents=True, exist_ok=True)
        for path in (outbox / str(day)).iterdir():
            shutil.copy(path, settings.inbox / f".{path.name}")
            (settings.inbox / f".{path.name}").rename(settings.inbox / path.name)
        night = airflow.trigger("footfall_nightly", {"day": str(day)})
        assert airflow.finished("footfall_nightly", night) == "success", airflow.tasks(
            "footfall_nightly", night
        )
    ours_, theirs = tables(settings.marts), tables(cli / "marts")
    assert sorted(ours_) == sorted(theirs) and len(ours_) >= 2 * 6
    for name, table in ours_.items():
        assert table.equals(theirs[name]), name

    quarter = airflow.trigger("footfall_quarterly", {"quarter": "FY2024Q1", "allow_partial": True})
    assert airflow.finished("footfall_quarterly", quarter) == "success", airflow.tasks(
        "footfall_quarterly", quarter
    )
    assert "89 of its 91 days" in airflow.log("footfall_quarterly", quarter, "complete")
    manifest = json.loads((settings.published / "FY2024Q1" / "manifest.json").read_text())
    theirs = json.loads((cli / "published" / "FY2024Q1" / "manifest.json").read_text())
    assert manifest["coverage"]["days_with_data"] == 2
    assert manifest["files"] == theirs["files"]  # every published file, byte for byte
    con = duckdb.connect(str(settings.catalog), read_only=True)
    try:
        assert con.execute("select release, recipients from provisions").fetchall() == [
            ("FY2024Q1", RECIPIENTS)
        ]
    finally:
        con.close()
