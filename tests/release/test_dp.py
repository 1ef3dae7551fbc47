"""Optional differential privacy: OpenDP noise on bounded counts, the budget in the manifest,
accuracy beside the tables, and a rebuild that spends nothing when nothing changed."""

import json
import math
import shutil
import statistics

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.calendar import FiscalQuarter
from pipeline.release.publish import publish
from tests.conftest import E2E_FIRST

EPSILON = 1.0


@pytest.fixture(scope="module")
def dp_release(tmp_path_factory, simulated_quarter):
    """The simulated week's lake, copied, released with DP on: (settings, release, plain release)."""
    settings, plain, _ = simulated_quarter
    root = tmp_path_factory.mktemp("dp")
    shutil.copytree(
        settings.home, root / "var", ignore=shutil.ignore_patterns("published", "release_history", "locks")
    )
    dp_settings = settings.with_(home=root / "var", dp_epsilon=EPSILON)
    return dp_settings, publish(dp_settings, FiscalQuarter.of(E2E_FIRST)), plain


def _table(release, name):
    return pq.read_table(release.path / "tables" / f"{name}.parquet").to_pylist()


def test_the_manifest_records_the_budget_and_the_accuracy_is_published(dp_release):
    settings, release, _ = dp_release
    policy = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))["policy"]
    dp = policy["differential_privacy"]
    assert dp["epsilon_per_release"] == EPSILON and dp["unit"] == "device-day"
    assert dp["epsilon_spent_for_quarter"] == EPSILON
    assert sum(t["epsilon"] for t in dp["tables"].values()) == pytest.approx(EPSILON)
    daily = dp["tables"]["daily"]
    assert daily["contribution_bound"] == settings.dp_max_sites
    assert daily["scale"] == pytest.approx(settings.dp_max_sites / (EPSILON / 3))
    accuracy = (release.path / "tables" / "dp_accuracy.csv").read_text(encoding="utf-8-sig")
    assert accuracy.splitlines()[0] == "table,column,epsilon,contribution_bound,noise_scale,accuracy_95"
    assert len(accuracy.splitlines()) == 1 + 3 + 1


def test_noisy_cells_are_published_above_k_and_unbounded_figures_are_left_empty(dp_release):
    settings, release, plain = dp_release
    daily = _table(release, "footfall_daily")
    shown = [r for r in daily if r["devices"] is not None]
    assert shown and all(r["devices"] >= settings.k for r in shown)
    assert all(r["visitors"] is None and r["visits"] is None for r in daily)
    for r in _table(release, "od_flows"):
        assert r["trips"] == r["device_days"] and (r["suppressed"] or r["device_days"] >= settings.k)
    for path in release.path.rglob("*"):  # the true bounded counts never leave the lake
        if path.is_file() and path.suffix in (".csv", ".parquet", ".json", ".geojson"):
            assert b"devices_dp" not in path.read_bytes() and b"dp_bound" not in path.read_bytes()


def test_the_noise_has_the_scale_opendp_was_asked_for(dp_release):
    """Published minus true bounded counts, over every shown site-day: centred, with the
    discrete Laplace spread (variance about 2 scale^2)."""
    settings, release, _ = dp_release
    scale = settings.dp_max_sites / (EPSILON / 3)
    true = dict(
        ((d, s), n)
        for d, s, n in duckdb.sql(
            f"select day, site_id, devices_dp from read_parquet("
            f"'{settings.marts}/footfall_daily/*/*.parquet', hive_partitioning = true) where not no_data"
        ).fetchall()
    )
    errors = [
        r["devices"] - true.get((r["day"], r["site_id"]), 0)
        for r in _table(release, "footfall_daily")
        if r["devices"] is not None
    ]
    # cells shown are those whose noisy value passed k: take the busy ones, where the cut is far
    busy = [
        e
        for (r, e) in zip([r for r in _table(release, "footfall_daily") if r["devices"] is not None], errors)
        if true.get((r["day"], r["site_id"]), 0) > 4 * scale + settings.k
    ]
    assert len(busy) >= 30
    spread = statistics.pstdev(busy)
    assert abs(statistics.mean(busy)) < 4 * math.sqrt(2) * scale / math.sqrt(len(busy))
    assert 0.5 * math.sqrt(2) * scale < spread < 1.6 * math.sqrt(2) * scale


def test_a_rebuild_over_the_same_marts_is_identical_and_spends_nothing(dp_release):
    settings, release, _ = dp_release
    before = release.path.with_suffix(".zip").read_bytes()
    again = publish(settings, FiscalQuarter.of(E2E_FIRST))
    assert again.path.with_suffix(".zip").read_bytes() == before
    dp = json.loads((again.path / "manifest.json").read_text(encoding="utf-8"))["policy"][
        "differential_privacy"
    ]
    assert dp["releases_drawn_for_quarter"] == 1 and dp["epsilon_spent_for_quarter"] == EPSILON


def test_each_device_day_counts_in_at_most_the_bounded_number_of_sites(dp_release):
    settings, _, _ = dp_release
    marts = f"{settings.marts}/footfall_daily/*/*.parquet"
    over = duckdb.sql(f"select count(*) from read_parquet('{marts}') where devices_dp > devices").fetchall()
    assert over == [(0,)]
    # per day, the bounded counts add up to at most max_sites x the day's devices
    visits = f"{settings.visits}/*/*.parquet"
    rows = duckdb.sql(f"""
        select m.day, m.bounded, v.devices, v.device_sites from (
            select day, sum(devices_dp) as bounded from read_parquet('{marts}', hive_partitioning = true)
            group by day) as m
        join (select day, count(distinct device) as devices, count(distinct (device, site_id)) as device_sites
              from read_parquet('{visits}', hive_partitioning = true) where not flap group by day) as v
        using (day)""").fetchall()
    assert rows
    for _, bounded, devices, device_sites in rows:
        assert bounded <= settings.dp_max_sites * devices and bounded <= device_sites
