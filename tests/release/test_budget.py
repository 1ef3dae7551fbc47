"""The DP budget ledger: every draw charged whatever epsilon was set when, not reset by deleting
the kept noise, refused when the ledger is gone; the guarantee per device stated plainly; nothing
outside the budget published in DP mode."""

from __future__ import annotations

import json
import shutil

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.release import budget
from pipeline.calendar import FiscalQuarter
from pipeline.release.publish import publish
from tests.conftest import E2E_DAYS, E2E_FIRST

QUARTER = FiscalQuarter.of(E2E_FIRST)


@pytest.fixture
def lake_copy(tmp_path, simulated_quarter):
    """The simulated week's lake, copied, without releases."""
    settings, _, _ = simulated_quarter
    shutil.copytree(
        settings.home,
        tmp_path / "var",
        ignore=shutil.ignore_patterns("published", "release_history", "locks", "dp"),
    )
    return settings.with_(home=tmp_path / "var")


def _dp(release) -> dict:
    return json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))["policy"][
        "differential_privacy"
    ]


def test_every_draw_is_charged_whatever_epsilon_was_set(lake_copy):
    """The issue rebuilt with epsilon 1, 3 and 0.5 and was told 1.5 was spent: it is 4.5."""
    for epsilon in (1.0, 3.0, 0.5):
        release = publish(lake_copy.with_(dp_epsilon=epsilon), QUARTER)
    report = _dp(release)
    assert report["epsilon_spent_for_quarter"] == pytest.approx(4.5)
    assert report["draws_for_quarter"] == 9 and report["releases_drawn_for_quarter"] == 3
    guarantee = report["guarantee"]
    assert guarantee["epsilon_per_device_day"] == pytest.approx(4.5)
    assert guarantee["days_in_quarter"] == E2E_DAYS
    assert guarantee["epsilon_per_device_present_every_day_of_quarter"] == pytest.approx(4.5 * E2E_DAYS)
    assert guarantee["epsilon_per_device_present_every_day_of_fiscal_year"] == pytest.approx(4.5 * E2E_DAYS)
    assert "device-day" in guarantee["plainly"] and "n times" in guarantee["plainly"]
    lines = budget.ledger_path(lake_copy).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 9 and {json.loads(line)["epsilon"] for line in lines} == {1 / 3, 1.0, 0.5 / 3}


def test_deleting_the_kept_noise_draws_again_and_spends_again(lake_copy):
    settings = lake_copy.with_(dp_epsilon=1.0)
    publish(settings, QUARTER)
    for kept in (settings.home / "dp").glob("FY*.json"):
        kept.unlink()
    assert _dp(publish(settings, QUARTER))["epsilon_spent_for_quarter"] == pytest.approx(2.0)


def test_a_deleted_ledger_stops_the_release_and_a_catalog_behind_is_completed(lake_copy):
    settings = lake_copy.with_(dp_epsilon=1.0)
    publish(settings, QUARTER)
    ledger = budget.ledger_path(settings)
    saved = ledger.read_bytes()
    ledger.unlink()
    with pytest.raises(budget.BudgetLedgerError, match="lacks 3 of the 3 draws"):
        publish(settings, QUARTER)
    ledger.write_bytes(saved)
    con = duckdb.connect(str(settings.catalog))
    con.execute("delete from dp_draws")  # a catalog restored from a backup older than the draws
    con.close()
    assert _dp(publish(settings, QUARTER))["epsilon_spent_for_quarter"] == pytest.approx(1.0)
    con = duckdb.connect(str(settings.catalog), read_only=True)
    assert con.execute("select count(*) from dp_draws").fetchall() == [(3,)]
    con.close()


def test_a_quarter_published_with_dp_cannot_restart_its_budget_from_nothing(lake_copy):
    settings = lake_copy.with_(dp_epsilon=1.0)
    publish(settings, QUARTER)
    budget.ledger_path(settings).unlink()
    con = duckdb.connect(str(settings.catalog))
    con.execute("delete from dp_draws")
    con.close()
    with pytest.raises(budget.BudgetLedgerError, match="published with differential privacy before"):
        publish(settings, QUARTER)


def test_a_dp_release_publishes_nothing_outside_its_budget(lake_copy):
    release = publish(lake_copy.with_(dp_epsilon=1.0), QUARTER)
    tables = {
        name: pq.read_table(release.path / "tables" / f"{name}.parquet").to_pylist()
        for name in ("footfall_daily", "footfall_profile", "sites")
    }
    assert all(r["no_data"] is None for r in tables["footfall_daily"])
    assert all(r["no_data_days"] is None for r in tables["footfall_profile"])
    for column in ("days_with_data", "ap_uptime", "no_data_hours"):
        assert all(r[column] is None for r in tables["sites"]), column
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["coverage"]["ap_uptime"] is None and manifest["coverage"]["quarantine_rate"] is None
    assert manifest["headline"]["ap_uptime"] is None
    assert "not published" in (release.path / "index.html").read_text(encoding="utf-8")


def test_a_dp_quarter_cannot_be_published_again_with_exact_values(lake_copy):
    """The outside audit set FOOTFALL_DP_EPSILON=0 after DP releases: the exact counts went out
    beside the noisy ones and the manifest forgot the budget. Now it is refused, and the release
    published before stays as it was."""
    noisy = publish(lake_copy.with_(dp_epsilon=1.0), QUARTER)
    before = (noisy.path / "manifest.json").read_bytes()
    with pytest.raises(budget.BudgetLedgerError, match="exact counts beside the noisy ones"):
        publish(lake_copy.with_(dp_epsilon=0.0), QUARTER)
    assert (noisy.path / "manifest.json").read_bytes() == before
