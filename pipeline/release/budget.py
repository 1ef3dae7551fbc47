"""The differential-privacy budget ledger: every draw of noise, append-only, kept twice.

A draw is one table of one version of a quarter's release noised anew (dp.privatize): its epsilon,
unit, contribution bound, scale, cells and days. The rows go to dp/budget.jsonl (opened for
appending only, fsynced) and to the catalog table dp_draws. What a quarter has spent is the sum of
its draws, whatever epsilon was configured when: deleting the noise kept in dp/<quarter>.json makes
the next build draw again, and spend again, instead of starting from zero.

Before a DP release the two copies are compared: a catalog behind the file (a crash between the
two writes, a catalog restored from an older backup) is completed from the file; a file behind the
catalog, or missing, or a quarter published with DP before while neither copy has its draws, stops
the release (BudgetLedgerError), since the spent budget could no longer be stated.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from pipeline.lake import catalog
from pipeline.calendar import FiscalQuarter
from pipeline.config import Settings

COLUMNS = (
    "draw_id",
    "release",
    "table_name",
    "epsilon",
    "unit",
    "contribution_bound",
    "scale",
    "cells",
    "days",
    "drawn_at",
)


class BudgetLedgerError(RuntimeError):
    """The budget ledger is missing or inconsistent: the spent budget cannot be stated."""


def ledger_path(settings: Settings) -> Path:
    """The append-only file of draws."""
    return settings.home / "dp" / "budget.jsonl"


def _file_rows(settings: Settings) -> list[dict]:
    path = ledger_path(settings)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _catalog_rows(con) -> dict[str, dict]:
    rows = con.execute(f"select {', '.join(COLUMNS)} from dp_draws").fetchall()
    return {r[0]: dict(zip(COLUMNS, r)) for r in rows}


def draws(settings: Settings, published_with_dp: tuple[str, ...] | list[str] = ()) -> list[dict]:
    """Every draw, after checking that file and catalog agree; `published_with_dp`: quarters an
    earlier version of which was published with DP (they must have draws)."""
    rows = _file_rows(settings)
    ids = {r["draw_id"] for r in rows}
    with catalog.connect(settings) as con:
        known = _catalog_rows(con)
        lost = set(known) - ids
        if lost:
            raise BudgetLedgerError(
                f"the DP budget ledger {ledger_path(settings)} lacks {len(lost)} of the {len(known)} "
                "draws the catalog (table dp_draws) records: it was deleted or truncated. Restore it "
                "from the backup before publishing with FOOTFALL_DP_EPSILON; the spent budget "
                "cannot be stated without it."
            )
        for row in rows:
            if row["draw_id"] not in known:  # the catalog is behind the file: complete it
                con.execute(
                    f"insert into dp_draws ({', '.join(COLUMNS)}) values ({', '.join('?' for _ in COLUMNS)})",
                    [row[c] for c in COLUMNS],
                )
    missing = sorted(set(published_with_dp) - {r["release"] for r in rows})
    if missing:
        raise BudgetLedgerError(
            f"{', '.join(missing)} was published with differential privacy before, but the budget "
            f"ledger ({ledger_path(settings)} and the catalog) has no draw of it: restore both from "
            "the backup; the spent budget cannot be stated without them."
        )
    return rows


def record(settings: Settings, quarter: FiscalQuarter, table_draws: list[dict]) -> None:
    """Append the draws of one build (file first, fsynced; then the catalog)."""
    if not table_draws:
        return
    now = catalog.now()
    rows = [
        {"draw_id": uuid.uuid4().hex, "release": str(quarter), "drawn_at": now.isoformat(), **d}
        for d in table_draws
    ]
    path = ledger_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
        handle.flush()
        os.fsync(handle.fileno())
    with catalog.connect(settings) as con:
        for row in rows:
            con.execute(
                f"insert into dp_draws ({', '.join(COLUMNS)}) values ({', '.join('?' for _ in COLUMNS)})",
                [row[c] for c in COLUMNS],
            )


def _spent(rows: list[dict], release: str) -> tuple[float, int]:
    """Epsilon spent per device-day for a quarter (every draw of every table counts: a device-day
    is in all three tables) and the most days a table of it covered."""
    mine = [r for r in rows if r["release"] == release]
    return round(sum(r["epsilon"] for r in mine), 6), max((r["days"] for r in mine), default=0)


def guarantee(rows: list[dict], quarter: FiscalQuarter) -> dict:
    """What the draws so far guarantee a device, over the quarter and over its fiscal year."""
    spent, days = _spent(rows, str(quarter))
    year = {str(q): _spent(rows, str(q)) for q in (FiscalQuarter(quarter.year, n) for n in range(1, 5))}
    year = {q: v for q, v in year.items() if v[0]}
    return {
        "epsilon_per_device_day": spent,
        "days_in_quarter": days,
        "epsilon_per_device_present_every_day_of_quarter": round(spent * days, 6),
        "fiscal_year": f"FY{quarter.year}",
        "epsilon_per_device_day_in_fiscal_year": max((v[0] for v in year.values()), default=0.0),
        "epsilon_per_device_present_every_day_of_fiscal_year": round(sum(e * d for e, d in year.values()), 6),
        "by_quarter": {q: {"epsilon_per_device_day": e, "days": d} for q, (e, d) in year.items()},
        "plainly": (
            "The unit is the device-day: pseudonyms change every day, so the pipeline cannot tell "
            "one device's days apart and each day is protected on its own with the epsilon above. "
            "A device seen on n days of the quarter is protected only with n times that epsilon "
            f"(here up to {round(spent * days, 6)} for a device seen every day), which is no "
            "meaningful protection for a regular visitor; over the fiscal year the epsilons of its "
            "quarters add up."
        ),
    }
