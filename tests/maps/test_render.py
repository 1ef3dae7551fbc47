"""The release's maps in a real headless Chromium with the network blocked."""

import re

import pyarrow.parquet as pq
import pytest

from tests.conftest import ARTIFACTS
from tests.maps.browser import CHROMIUM, probe_map


pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is required: `make test` installs it (apt-get)")


def _only_local(resources):
    return [r for r in resources if not r.startswith("file://")]


def _errors(console):
    """Script errors and failed loads (the GSI tiles are off until a planner online turns them on)."""
    return [c for c in console if re.search(r'"(Uncaught|Failed to load)|Error|ERR_', c)]


def test_the_flow_map_draws_one_line_per_published_flow_offline(simulated_quarter, tmp_path):
    _, release, _ = simulated_quarter
    result = probe_map(release.flow_map, tmp_path, ARTIFACTS / "flows.png")
    od = pq.read_table(release.path / "tables" / "od_flows.parquet").to_pylist()
    assert result["leaflet"] == "1.9.4"
    published = sum(1 for r in od if not r["suppressed"])
    assert result["flow_lines"] == published > 30
    assert result["flow_lines_shown"] == 30  # the top-N filter opens on the 30 busiest
    assert result["markers"] > result["flow_lines"]  # the sites are drawn too
    assert _only_local(result["resources"]) == []
    assert _errors(result["console"]) == []
    assert (ARTIFACTS / "flows.png").stat().st_size > 10_000


def test_the_heatmap_draws_heat_offline(simulated_quarter, tmp_path):
    _, release, _ = simulated_quarter
    result = probe_map(release.heat_map, tmp_path, ARTIFACTS / "heatmap.png")
    assert result["heat_pixels"] > 1000
    # the hour slider redraws the heat: 08:00-09:00 burns hotter than 03:00-04:00
    assert result["heat_pixels_8h"] > result["heat_pixels_3h"] >= 0
    assert _only_local(result["resources"]) == []
    assert _errors(result["console"]) == []


def test_no_map_asks_a_cdn_for_anything(simulated_quarter):
    _, release, _ = simulated_quarter
    for page in (release.flow_map, release.heat_map):
        html = page.read_text(encoding="utf-8")
        for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "unpkg", "bootstrapcdn"):
            assert cdn not in html
    assert (release.path / "maps" / "lib" / "LICENSE-leaflet.txt").exists()
