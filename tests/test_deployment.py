"""Invariants of the production compose file (no Docker engine here: the file is checked as data)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
AIRFLOW = {name: s for name, s in COMPOSE["services"].items() if name.startswith("airflow-")}


def test_the_services_of_a_celery_deployment_are_there():
    assert set(COMPOSE["services"]) == {
        "postgres",
        "redis",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-worker",
        "airflow-triggerer",
        "airflow-init",
    }


def test_every_airflow_service_shares_image_and_secrets():
    for name, service in AIRFLOW.items():
        assert service["image"] == "wifi-footfall:latest", name
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == "${AIRFLOW_JWT_SECRET:?set it in .env}", name
        assert env["FOOTFALL_KEYSTORE"] != env["FOOTFALL_HOME"], name


def test_only_the_services_that_run_pipeline_code_mount_the_keystore_and_the_lake():
    """Tasks run on the Celery workers; the init creates the folders. The api-server (the web UI),
    the scheduler, the dag-processor and the triggerer never see raw logs or keys."""
    mounting = {
        name
        for name, service in COMPOSE["services"].items()
        if any(v.split(":")[0] in ("keystore", "lake") or "/data/" in v for v in service.get("volumes", []))
    }
    assert mounting == {"airflow-worker", "airflow-init"}
    for name in mounting:
        volumes = COMPOSE["services"][name]["volumes"]
        assert "lake:/data/lake" in volumes and "keystore:/data/keystore" in volumes, name


def test_the_keystore_is_a_volume_of_its_own_and_services_have_health_checks():
    assert {"lake", "keystore"} <= set(COMPOSE["volumes"])
    for name, service in COMPOSE["services"].items():
        assert name == "airflow-init" or "healthcheck" in service, name


def test_the_image_installs_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM apache/airflow:3.3.2-python3.11" in dockerfile
    assert "requirements.lock" in dockerfile


def test_the_compose_file_follows_the_compose_specification():
    import shutil
    import subprocess
    import sys
    from pathlib import Path as P

    tool = shutil.which("check-jsonschema") or str(P(sys.executable).with_name("check-jsonschema"))
    done = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
