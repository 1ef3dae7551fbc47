"""The provision ledger and the four-times-a-year KPI."""

from datetime import date, datetime, UTC

import pytest

from pipeline.release import ledger
from pipeline.calendar import FiscalQuarter


@pytest.fixture
def released(settings):
    for q in ("FY2024Q1", "FY2024Q2"):
        ledger.record_release(settings, FiscalQuarter.parse(q), "ab" * 32, settings.published / q)
    return settings


def at(y, m, d):
    return datetime(y, m, d, 3, tzinfo=UTC)


def test_provisions_count_in_the_fiscal_year_they_were_made(released):
    ledger.provide(released, "FY2024Q1", ["観光課", "都市交通対策課"], at(2024, 7, 10))
    ledger.provide(released, "FY2024Q2", ["防災危機管理課"], at(2024, 10, 8))
    (fy,) = ledger.kpi(released, date(2024, 12, 1))
    assert fy.fiscal_year == 2024 and len(fy.provisions) == 2 and not fy.met and not fy.closed
    assert fy.quarters_without == ["FY2024Q1"]  # Jul and Oct had one; Apr-Jun did not
    assert fy.provisions[0][1] == "観光課; 都市交通対策課"


def test_a_closed_year_below_four_is_missed_and_four_is_met(released):
    for month, day in ((5, 1), (8, 1), (11, 1)):
        ledger.provide(released, "FY2024Q1", ["観光課"], at(2024, month, day))
    (fy,) = ledger.kpi(released, date(2025, 5, 1), 2024)
    assert fy.closed and not fy.met and fy.quarters_without == ["FY2024Q4"]
    ledger.provide(released, "FY2024Q2", ["商工労政課"], at(2025, 2, 1))
    (fy,) = ledger.kpi(released, date(2025, 5, 1), 2024)
    assert fy.met and fy.quarters_without == []


def test_an_unbuilt_release_cannot_be_provided(released):
    with pytest.raises(ledger.LedgerError, match="footfall publish --quarter FY2023Q4"):
        ledger.provide(released, "FY2023Q4", ["観光課"])


def test_the_kpi_command_exits_1_for_a_missed_year(released, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app

    monkeypatch.setenv("FOOTFALL_HOME", str(released.home))
    monkeypatch.setenv("FOOTFALL_KEYSTORE", str(released.keystore))
    runner = CliRunner()
    provided = runner.invoke(
        app,
        [
            "provide",
            "--release",
            "FY2024Q1",
            "--to",
            "観光課",
            "--to",
            "都市交通対策課",
            "--at",
            "2024-07-10",
        ],
    )
    assert provided.exit_code == 0 and "観光課; 都市交通対策課" in provided.output
    result = runner.invoke(app, ["kpi", "--fy", "2024"])
    assert result.exit_code == 1  # FY2024 closed in March 2025 with one provision
    assert "FY2024: 1 / 4 provisions (MISSED)" in result.output
    assert "FY2024Q1, FY2024Q3, FY2024Q4" in result.output


def test_the_quarterly_alert_waits_for_the_ledger_to_be_in_use(released):
    # the first provision ever, on Jul 5: Apr-Jun lay before the ledger was in use, no alert
    ledger.provide(released, "FY2024Q1", ["観光課"], at(2024, 7, 5))
    assert "nothing to check" in ledger.check_last_quarter(released, date(2024, 7, 5))
    # Jul-Sep saw that provision: the run of Oct 5 passes
    assert "at least one provision" in ledger.check_last_quarter(released, date(2024, 10, 5))
    # Oct-Dec saw none although the ledger was in use: the alert
    with pytest.raises(ledger.LedgerError, match="FY2024Q3 ended without any provision"):
        ledger.check_last_quarter(released, date(2025, 1, 5))
