"""A registry name carrying markup is shown as text on every page of a release, never run."""

import csv
import io
from datetime import date, timedelta

import pytest

from pipeline.ops import nightly
from pipeline.calendar import FiscalQuarter
from pipeline.config import SAMPLE_REGISTRY
from pipeline.release.publish import publish
from pipeline.ingest.registry import load_registry
from pipeline.sim.city import simulate
from tests.conftest import make_settings
from tests.maps.browser import CHROMIUM, probe_map

HOSTILE = (
    "JR大分駅<script>window.ffPwned=1</script>\"'`${window.ffPwned=1}<img src=x onerror=window.ffPwned=1>"
)
FIRST = date(2024, 4, 1)


@pytest.fixture(scope="module")
def hostile_release(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    rows = list(csv.reader(io.StringIO(SAMPLE_REGISTRY.read_text(encoding="utf-8-sig"))))
    name = rows[0].index("名称")
    for row in rows[1:]:
        row[name] = HOSTILE if row[name] == "JR大分駅" else row[name]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (root / "registry.csv").write_text(out.getvalue(), encoding="utf-8")
    settings = make_settings(root, FOOTFALL_REGISTRY=str(root / "registry.csv"))
    simulate(
        settings, load_registry(settings.registry), FIRST, FIRST + timedelta(days=1), devices=3000, seed=5
    )
    for day in (FIRST, FIRST + timedelta(days=1)):
        nightly.run(settings, day)
    return publish(settings, FiscalQuarter.of(FIRST))


def test_the_hostile_name_is_published(hostile_release):
    sites = (hostile_release.path / "tables" / "sites.csv").read_text(encoding="utf-8-sig")
    assert "<script>window.ffPwned=1</script>" in sites  # a CSV is data: kept as the registry says


def test_no_page_carries_the_markup_live(hostile_release):
    pages = [*hostile_release.path.rglob("*.html")]
    assert len(pages) >= 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>window.ffPwned" not in text, page
        assert "<img src=x" not in text, page
    shown = [p for p in pages if "&lt;script&gt;window.ffPwned" in p.read_text(encoding="utf-8")]
    assert {p.name for p in shown} >= {"index.html", "heatmap.html", "flows.html"}


PAGES = ["index.html", "maps/change.html", "maps/flows.html", "maps/heatmap.html"]


def test_the_browser_probes_every_page_of_the_release(hostile_release):
    pages = sorted(str(p.relative_to(hostile_release.path)) for p in hostile_release.path.rglob("*.html"))
    assert pages == PAGES


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is required")
@pytest.mark.parametrize("page", PAGES)
def test_no_page_runs_the_markup_in_a_browser(hostile_release, tmp_path, page):
    result = probe_map(hostile_release.path / page, tmp_path)
    assert result and result["pwned"] is False
