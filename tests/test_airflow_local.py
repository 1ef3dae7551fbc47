"""`make airflow`'s launcher: its environment, and a part that cannot start (its run with every
part healthy is tests/dags/test_scheduler.py)."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil

from pipeline.airflow_local import airflow_env, dotenv, machine_sizes

ROOT = Path(__file__).resolve().parents[1]


def test_the_parts_find_airflow_without_an_activated_environment_and_serve_loopback(tmp_path):
    env = airflow_env(
        {"PATH": "/usr/bin:/bin", "FOOTFALL_HOME": "lake"}, tmp_path / "af", 8123, ROOT / "dags"
    )
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert (Path(env["PATH"].split(os.pathsep)[0]) / "airflow").exists()
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"
    assert Path(env["FOOTFALL_HOME"]).is_absolute()
    assert machine_sizes(2) == {"parallelism": 4, "duckdb_slots": 2}  # not 32 workers on 2 cores
    assert env["AIRFLOW__CORE__PARALLELISM"] == str(machine_sizes()["parallelism"])


def test_settings_come_from_the_environment_then_dotenv(tmp_path):
    path = tmp_path / ".env"
    path.write_text(
        "# a comment\nPOSTGRES_PASSWORD=secret\nFOOTFALL_RECIPIENTS='観光課;防災課'\nFOOTFALL_K=12\n",
        encoding="utf-8",
    )
    env = dotenv(path, {"FOOTFALL_K": "15"})
    assert env == {"FOOTFALL_RECIPIENTS": "観光課;防災課", "FOOTFALL_K": "15"}
    assert dotenv(tmp_path / "missing", {"A": "1"}) == {"A": "1"}


def test_make_airflow_runs_the_launcher():
    done = subprocess.run(
        ["make", "-n", "airflow", "AIRFLOW_PORT=8123"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "-m pipeline.airflow_local --port 8123" in done.stdout


def test_a_part_that_cannot_start_fails_the_launcher_with_the_reason_and_leaves_nothing(tmp_path):
    with socket.socket() as taken:  # the API's port is held by someone else
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "AIRFLOW_HOME": str(tmp_path / "af"),
            "FOOTFALL_HOME": str(tmp_path / "var"),
        }
        launcher = subprocess.Popen(
            [sys.executable, "-m", "pipeline.airflow_local", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        out, err = launcher.communicate(timeout=300)
    assert launcher.returncode == 1, out + err
    assert "error: the Airflow api-server stopped" in err and "address already in use" in err
    assert "Airflow is ready" not in out and "password" not in out
    left = [p for p in psutil.process_iter() if _session(p) == launcher.pid]
    assert not left, [p.cmdline() for p in left]


def _session(proc) -> int | None:
    try:
        return os.getsid(proc.pid) if proc.status() != psutil.STATUS_ZOMBIE else None
    except (psutil.NoSuchProcess, ProcessLookupError):
        return None
