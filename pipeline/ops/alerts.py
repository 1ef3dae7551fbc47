"""Failure callbacks of the DAGs: light on purpose (the DAG processor imports it constantly)."""

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("footfall.alert")


def log_failure(context: Mapping[str, Any]) -> None:
    """Airflow's on_failure_callback: the failed task and why, always in the log; Airflow adds
    e-mail where its SMTP settings and the task's email are configured."""
    ti = context["ti"]
    log.error("%s.%s failed: %s", ti.dag_id, ti.task_id, context.get("exception"))
