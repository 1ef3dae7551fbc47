"""Airflow on one machine, for `make airflow` and the scheduler test.

Starts the scheduler, the DAG processor and the API server of a SQLite AIRFLOW_HOME from this
virtual environment (nothing needs to be activated), the API on 127.0.0.1 only, the LocalExecutor
and the `duckdb` pool sized for the machine's cores. Ready means: the API answers its health check
with the scheduler and the DAG processor healthy, and every DAG file is parsed. A part that stops
fails the whole, with its last log lines; stopping ends every process started, task processes
included. Imports nothing of Airflow: every part is a process of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from pipeline.config import load_settings

# --skip-serve-logs: task logs are local files the API server reads itself; no log server
# listening on every interface
PARTS = {"scheduler": ["--skip-serve-logs"], "dag-processor": [], "api-server": []}
HEALTHY = ("metadatabase", "scheduler", "dag_processor")
REPO = Path(__file__).resolve().parent.parent
USER = "admin"
AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"


class AirflowStartError(RuntimeError):
    """A part of Airflow did not start, or stopped: the message says which and why."""


def machine_sizes(cores: int | None = None) -> dict:
    """Executor parallelism (two task processes a core) and duckdb pool slots (one a core)."""
    cores = cores or len(os.sched_getaffinity(0))
    return {"parallelism": 2 * cores, "duckdb_slots": cores}


def airflow_env(base: dict, home: Path, port: int, dags: Path) -> dict:
    """The environment of every part: this venv first on PATH, the API on loopback, sizes set."""
    bin_dir = str(Path(sys.executable).parent)  # the venv's bin/, not the interpreter it links to
    settings = load_settings(base)
    return {
        **base,
        "PATH": os.pathsep.join([bin_dir, base.get("PATH", "")]),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(machine_sizes()["parallelism"]),
        "AIRFLOW__CORE__AUTH_MANAGER": AUTH_MANAGER,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "FOOTFALL_HOME": str(settings.home),
        "FOOTFALL_KEYSTORE": str(settings.keystore),
    }


class LocalAirflow:
    """The parts of one Airflow home, started and stopped together."""

    def __init__(self, env: dict):
        self.env = env
        self.home = Path(env["AIRFLOW_HOME"])
        self.port = int(env["AIRFLOW__API__PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.logs = self.home / "logs"
        self.airflow = str(Path(sys.executable).with_name("airflow"))
        self.parts: dict[str, subprocess.Popen] = {}
        self._token: str | None = None

    @property
    def password_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.logs / f"{name}.out"
        text = path.read_text(errors="replace").splitlines() if path.exists() else []
        return "\n".join(f"  {line}" for line in text[-lines:]) or "  (no output)"

    def prepare(self, slots: int) -> None:
        """Migrate the metadata database and set the duckdb pool."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self._once("migrate", ["db", "migrate"])
        self._once("pools", ["pools", "set", "duckdb", str(slots), "DuckDB-heavy footfall tasks"])

    def _once(self, name: str, args: list[str]) -> None:
        with open(self.logs / f"{name}.out", "wb") as out:
            done = subprocess.run(
                [self.airflow, *args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                timeout=600,
            )
        if done.returncode:
            raise AirflowStartError(
                f"`airflow {' '.join(args)}` failed (exit {done.returncode}); "
                f"{self.logs / name}.out ends:\n{self.log_tail(name)}"
            )

    def start(self) -> None:
        """Start every part, each in a process group of its own (a terminal's Ctrl-C reaches the
        launcher only, which stops them in order); they stay in the launcher's session."""
        for name, options in PARTS.items():
            with open(self.logs / f"{name}.out", "ab") as out:
                self.parts[name] = subprocess.Popen(
                    [self.airflow, name, *options],
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    cwd=REPO,
                    process_group=0,
                )

    def check_alive(self) -> None:
        """Raise when a part has stopped, with its exit code and last lines."""
        for name, process in self.parts.items():
            if process.poll() is not None:
                raise AirflowStartError(
                    f"the Airflow {name} stopped (exit {process.returncode}); "
                    f"{self.logs / name}.out ends:\n{self.log_tail(name)}"
                )

    def health(self) -> dict:
        """The API's health report, {} while it does not answer."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as answer:
                return json.load(answer)
        except (OSError, ValueError):
            return {}

    def wait_ready(self, timeout: float = 300) -> None:
        """Wait until the API answers with every part healthy and every DAG file parsed."""
        deadline = time.monotonic() + timeout
        files = sorted(p.name for p in Path(self.env["AIRFLOW__CORE__DAGS_FOLDER"]).glob("*.py"))
        waiting = "the API server to answer"
        while time.monotonic() < deadline:
            self.check_alive()
            report = self.health()
            sick = [part for part in HEALTHY if report.get(part, {}).get("status") != "healthy"]
            if report and sick:
                waiting = f"{', '.join(sick)} to report healthy"
            elif report and len(self.parsed()) < len(files):
                waiting = f"the DAG processor to parse {', '.join(files)}"
            elif report:
                return
            time.sleep(1)
        raise AirflowStartError(
            f"Airflow was not ready after {timeout:.0f} s: still waiting for "
            f"{waiting}. Logs: {self.logs}/{{{','.join(PARTS)}}}.out"
        )

    def parsed(self) -> dict[str, str]:
        """DAG files the DAG processor has parsed: file name -> 'ok' or the import error."""
        files = {Path(d["fileloc"]).name: "ok" for d in self.api("GET", "/api/v2/dags")["dags"]}
        for error in self.api("GET", "/api/v2/importErrors")["import_errors"]:
            files[Path(error["filename"]).name] = error["stack_trace"].strip().splitlines()[-1]
        return files

    def token(self) -> str:
        """A JWT for the REST API, from the admin password the API server generated."""
        if self._token is None:
            password = json.loads(self.password_file.read_text())[USER]
            body = json.dumps({"username": USER, "password": password}).encode()
            request = urllib.request.Request(
                f"{self.url}/auth/token",
                data=body,
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                self._token = json.load(answer)["access_token"]
        return self._token

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        """One call of the REST API (v2) as the admin user."""
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token()}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as error:
            raise AirflowStartError(
                f"{method} {path}: HTTP {error.code} {error.read().decode(errors='replace')[:500]}"
            ) from None

    def stop(self, grace: float = 20) -> None:
        """End every process under this one: the parts and all they started (task processes make
        groups of their own, so no process group holds them all); SIGKILL after the grace."""
        import psutil

        me = psutil.Process()
        for _ in range(3):
            procs = me.children(recursive=True)
            if not procs:
                break
            for proc in procs:
                _signal(proc, signal.SIGTERM)
            _, alive = psutil.wait_procs(procs, timeout=grace)
            for proc in alive:
                _signal(proc, signal.SIGKILL)
            psutil.wait_procs(alive, timeout=5)
        for process in self.parts.values():
            process.poll()


def _signal(proc, signum) -> None:
    import psutil

    try:
        proc.send_signal(signum)
    except psutil.NoSuchProcess:
        pass


def _become_subreaper() -> None:
    """Orphaned descendants (a task process whose supervisor died) stay ours to stop (Linux)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def banner(airflow: LocalAirflow, recipients: tuple) -> str:
    """What to do next, once Airflow is ready."""
    dags = {d["dag_id"]: d["is_paused"] for d in airflow.api("GET", "/api/v2/dags")["dags"]}
    errors = {f: e for f, e in airflow.parsed().items() if e != "ok"}
    lines = [
        f"Airflow is ready on {airflow.url} (user {USER}; password in {airflow.password_file})",
        *[f"  {dag}: {'paused' if paused else 'active'}" for dag, paused in sorted(dags.items())],
        *[f"  IMPORT ERROR in dags/{f}: {e}" for f, e in sorted(errors.items())],
        "Unpause a DAG before triggering it: a run triggered on a paused DAG waits queued.",
        f"Logs of the parts: {airflow.logs}/{{{','.join(PARTS)}}}.out. Ctrl-C stops Airflow.",
    ]
    if not recipients:
        lines.append(
            "Note: FOOTFALL_RECIPIENTS is not set; footfall_quarterly refuses to run "
            "until it is (.env or the environment; see .env.example)."
        )
    return "\n".join(lines)


def dotenv(path: Path, env: dict) -> dict:
    """FOOTFALL_* lines of a .env file under the environment (the environment wins)."""
    values = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and key.startswith("FOOTFALL_"):
                values[key] = value.strip().strip("'\"")
    return {**values, **env}


def main(argv: list[str] | None = None) -> int:
    """`make airflow`: start, say where to log in once ready, run until Ctrl-C or a part stops."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.airflow_local", description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--dags", type=Path, default=REPO / "dags")
    parser.add_argument("--ready-timeout", type=float, default=300)
    args = parser.parse_args(argv)
    try:
        env = airflow_env(
            dotenv(REPO / ".env", dict(os.environ)),
            Path(os.environ.get("AIRFLOW_HOME") or REPO / ".airflow").resolve(),
            args.port,
            args.dags.resolve(),
        )
        settings = load_settings(env)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _become_subreaper()
    airflow = LocalAirflow(env)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even where a shell ignored it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))
    started = time.monotonic()
    print(f"Starting Airflow in {airflow.home} (lake: {settings.home}); this takes a minute...", flush=True)
    try:
        airflow.prepare(int(env.get("FOOTFALL_DUCKDB_SLOTS") or machine_sizes()["duckdb_slots"]))
        airflow.start()
        airflow.wait_ready(args.ready_timeout)
        print(banner(airflow, settings.recipients), flush=True)
        print(f"(ready in {time.monotonic() - started:.0f} s)", flush=True)
        while True:
            airflow.check_alive()
            time.sleep(2)
    except AirflowStartError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        print("Stopping Airflow...", flush=True)
        airflow.stop()


if __name__ == "__main__":
    sys.exit(main())
