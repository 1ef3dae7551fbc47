"""The `footfall` command as an operator uses it: exit codes 0 done, 1 failed, 2 usage."""

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.sources.test_meraki_syslog import AP, ASSOC

runner = CliRunner()


@pytest.fixture
def lake(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTFALL_HOME", str(tmp_path / "var"))
    monkeypatch.setenv("FOOTFALL_KEYSTORE", str(tmp_path / "keys"))
    return tmp_path


def test_help_explains_each_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "ingest", "nightly", "publish", "simulate"):
        assert command in result.output


@pytest.mark.parametrize("args", [["nightly", "--day", "2024-13-01"],
                                  ["publish", "--quarter", "FY2024Q9"], ["nightly"]])
def test_usage_errors_exit_2(lake, args):
    assert runner.invoke(app, args).exit_code == 2


def test_failures_exit_1_with_what_to_do(lake):
    result = runner.invoke(app, ["publish", "--quarter", "FY2024Q1"])
    assert result.exit_code == 1 and "run the nightly job" in result.output
    result = runner.invoke(app, ["ingest", str(lake / "missing.log")])
    assert result.exit_code == 1 and "no such file" in result.output


def test_ingest_lands_a_file_once(lake):
    log = lake / "meraki.log"
    log.write_text(ASSOC.format(ap=AP, mac="80:d6:05:12:34:56") + "\n")
    first = runner.invoke(app, ["ingest", str(log)])
    assert first.exit_code == 0, first.output
    assert "landed 1 new file(s); ingested 1: 1 events, 0 quarantined, days 2024-04-01" in first.output
    again = runner.invoke(app, ["ingest", str(log)])
    assert "landed 0 new file(s); ingested 0" in again.output
    assert log.exists()  # a user's file is copied, never moved


def test_demo_runs_a_whole_quarter_and_refuses_a_lake_it_did_not_make(lake):
    result = runner.invoke(app, ["demo", "--devices", "400"])
    assert result.exit_code == 0, result.output
    assert "demo FY2024Q1: 91 days" in result.output
    assert (lake / "var" / "published" / "FY2024Q1" / "maps" / "flows.html").exists()
    assert "flow map: " in result.output
    (lake / "var" / ".footfall-demo").unlink()
    refused = runner.invoke(app, ["demo"])
    assert refused.exit_code == 1 and "did not make" in refused.output
