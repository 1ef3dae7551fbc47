"""The movement model against the simulator's ground truth, under the noise of real logs."""

import pytest

from pipeline.sim.accuracy import run_scenario
from pipeline.sim.logs import SCENARIOS


@pytest.mark.parametrize("name", ["clean", "lost_events", "realistic"])
def test_visits_trips_and_footfall_match_the_truth(tmp_path, name):
    figures = run_scenario(tmp_path, SCENARIOS[name], days=2, devices=2500)
    assert figures["visits_truth"] > 1000 and figures["trips_truth"] > 500
    for measure in ("visits_precision", "visits_recall", "trips_precision", "trips_recall"):
        assert figures[measure] >= 0.95, (measure, figures)
    assert figures["footfall_cells"] > 10
    assert figures["footfall_within_5pct"] >= 0.9 and figures["footfall_median_error"] <= 0.05


def test_clean_logs_are_reconstructed_exactly(tmp_path):
    figures = run_scenario(tmp_path, SCENARIOS["clean"], days=1, devices=1500)
    assert figures["visits_precision"] == figures["visits_recall"] == 1.0
    assert figures["trips_precision"] == figures["trips_recall"] == 1.0
    assert figures["footfall_within_5pct"] == 1.0


def test_make_accuracy_writes_its_table_into_the_repositorys_docs():
    """`make accuracy` rewrites the results below the marker of docs/accuracy.md; after the
    structure step it pointed at pipeline/docs/ and failed once every scenario had run."""
    from pipeline.sim import accuracy

    assert accuracy.DOC.exists() and "<!-- results -->" in accuracy.DOC.read_text(encoding="utf-8")
