"""The release's maps in a real headless Chromium with the network blocked."""

import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from maps import render
from tests.conftest import ARTIFACTS
from tests.maps.browser import CHROMIUM, probe_map


pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is required: `make test` installs it (apt-get)"
)


@pytest.fixture(scope="module")
def probed(simulated_quarter, tmp_path_factory):
    """Each map of the simulated release opened once (a browser start costs about a second); every
    test below reads what it drew. The screenshots land in tests/artifacts/."""
    _, release, _ = simulated_quarter
    work = tmp_path_factory.mktemp("probe")
    return {
        "flow_map": probe_map(release.flow_map, work, ARTIFACTS / "flows.png"),
        "heat_map": probe_map(release.heat_map, work, ARTIFACTS / "heatmap.png"),
    }


def _only_local(resources):
    return [r for r in resources if not r.startswith("file://")]


def _errors(console):
    """Script errors and failed loads (the GSI tiles are off until a planner online turns them on)."""
    return [c for c in console if re.search(r'"(Uncaught|Failed to load)|Error|ERR_', c)]


def test_the_flow_map_draws_one_line_per_published_flow_offline(simulated_quarter, probed):
    _, release, _ = simulated_quarter
    result = probed["flow_map"]
    od = pq.read_table(release.path / "tables" / "od_flows.parquet").to_pylist()
    assert result["leaflet"] == "1.9.4"
    published = sum(1 for r in od if not r["suppressed"])
    assert result["flow_lines"] == published > 30
    assert result["flow_lines_shown"] == 30  # the top-N filter opens on the 30 busiest
    assert result["flow_lines_300"] == min(300, published)  # and reads with 300 as well
    # every flow is a band wider at its origin than just before its arrow head at the destination
    assert len(result["flow_shapes"]) == published
    assert all(origin > before_tip and at_dest for origin, before_tip, at_dest in result["flow_shapes"])
    assert result["markers"] > result["flow_lines"]  # the sites are drawn too
    # colour classes follow the flows on screen: the top 30 spread over all five colours, and the
    # legend's ranges change with the top-N choice (they did not: the top 30 were all darkest)
    classes = result["flow_classes"]
    assert classes["30"]["colours"] == len(render.FLOW_COLOURS) == len(classes["30"]["legend"])
    assert classes["0"]["colours"] == len(render.FLOW_COLOURS)
    assert classes["30"]["legend"] != classes["0"]["legend"]
    top30 = sorted((r["trips"] for r in od if not r["suppressed"]), reverse=True)[:30]
    assert classes["30"]["legend"][-1].endswith(f"{top30[0]:,}")
    assert classes["30"]["legend"][0].startswith(f"{top30[-1]:,}")
    assert _only_local(result["resources"]) == []
    assert _errors(result["console"]) == []
    assert (ARTIFACTS / "flows.png").stat().st_size > 10_000


def test_the_heatmap_draws_heat_offline(probed):
    result = probed["heat_map"]
    assert result["heat_pixels"] > 1000
    # the hour slider redraws the heat: 08:00-09:00 burns hotter than 03:00-04:00
    assert result["heat_pixels_8h"] > result["heat_pixels_3h"] >= 0
    assert _only_local(result["resources"]) == []
    assert _errors(result["console"]) == []


def test_the_busiest_site_hour_is_the_darkest_legend_colour_at_every_planning_zoom(probed):
    """Leaflet.heat weakens heat below its maxZoom: at 18 (folium's default) the busiest
    site-hour showed pale yellow at the opening zoom 12 instead of the legend's darkest colour."""
    darkest = tuple(int(render.HEAT_GRADIENT[1.0][i : i + 2], 16) for i in (1, 3, 5))
    busiest = probed["heat_map"]["heat_busiest"]
    for zoom in ("11", "12", "14", "16"):
        r, g, b, a = busiest[zoom]
        assert a > 200, (zoom, busiest[zoom])
        assert max(abs(r - darkest[0]), abs(g - darkest[1]), abs(b - darkest[2])) < 40, (zoom, busiest[zoom])
        assert busiest[f"disabled_{zoom}"] == 0  # and the layer control still offers every layer


def test_no_map_asks_a_cdn_for_anything(simulated_quarter):
    _, release, _ = simulated_quarter
    for page in (release.flow_map, release.heat_map):
        html = page.read_text(encoding="utf-8")
        for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "unpkg", "bootstrapcdn"):
            assert cdn not in html
    assert (release.path / "maps" / "lib" / "LICENSE-leaflet.txt").exists()


@pytest.mark.parametrize("page", ["heat_map", "flow_map"])
def test_every_map_draws_the_offline_base_map_under_the_data(simulated_quarter, probed, page):
    _, release, _ = simulated_quarter
    result = probed[page]
    stations = json.loads(
        (release.path / "maps" / "lib" / "basemap-stations.geojson").read_text(encoding="utf-8")
    )["features"]
    assert result["base_city"] >= 1  # the city boundary, drawn from the vendored N03 polygon
    assert result["base_paths"]["coast"] >= 1 and result["base_paths"]["railways"] >= 1
    assert result["base_control"] == ["市域", "海岸線", "鉄道", "鉄道駅"]  # the layer control
    assert result["base_stations"] == len(stations) > 10
    assert "大分駅" in result["station_labels"] and "鶴崎駅" in result["station_labels"]
    assert result["base_under_data"] is True
    assert "端末/時" in result["legend"] or "トリップ" in result["legend"]  # real units, Japanese first
    assert "大分市域" in result["legend"] and "鉄道" in result["legend"]
    assert "Oita City" in result["legend_en"] and "大分市域" not in result["legend_en"]
    assert _only_local(result["resources"]) == []
    assert _errors(result["console"]) == []


def test_the_legend_and_popups_say_the_k_rule_is_on_hourly_counts_not_means(simulated_quarter, probed):
    settings, release, _ = simulated_quarter
    result = probed["heat_map"]
    assert f"1時間ごとの端末数に適用。公表値の平均は{settings.k}未満もありうる" in result["legend"]
    assert f"means of published counts can be below {settings.k}" in result["legend_en"]
    page = release.heat_map.read_text(encoding="utf-8")
    assert page.count("秘匿は1時間ごとの端末数に適用") == len(
        pq.read_table(release.path / "tables" / "sites.parquet")
    )


@pytest.mark.parametrize("page", ["heat_map", "flow_map"])
def test_every_map_credits_the_base_maps_sources(probed, page):
    attribution = probed[page]["attribution"]
    assert "国土数値情報（行政区域データ）（国土交通省）を加工して作成" in attribution
    assert "国土数値情報（鉄道データ）（国土交通省）を加工して作成" in attribution
    assert "station_database" in attribution and "CC BY 4.0" in attribution


@pytest.mark.parametrize("page", ["heat_map", "flow_map"])
def test_popups_open_clear_of_the_legend_and_the_scale_bar_shows(probed, page):
    assert probed[page]["overlaps"] == {"scale": False, "popup": False}


def _japanese_beside(texts: list[str], sites: list[str]) -> list[str]:
    """The texts that hold Japanese besides the proper names of sites and stations."""
    stations = json.loads((render.basemap.VENDORED / "stations.geojson").read_text(encoding="utf-8"))
    names = sorted(
        set(sites) | {f["properties"]["name"] for f in stations["features"]}, key=len, reverse=True
    )
    left = []
    for text in texts:
        rest = text
        for name in names:
            rest = rest.replace(name, "")
        if re.search(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]", rest):
            left.append(text)
    return left


@pytest.mark.parametrize("page", ["heat_map", "flow_map"])
def test_the_english_switch_leaves_only_proper_names_in_japanese(simulated_quarter, probed, page):
    _, release, _ = simulated_quarter
    sites = pq.read_table(release.path / "tables" / "sites.parquet").column("site_name").to_pylist()
    left = probed[page]["japanese_in_english"]
    assert left is not None
    assert probed[page]["lang_button"] == ["English", "日本語"]  # the other language, in that language
    assert _japanese_beside(left, sites) == []


def test_the_flow_map_filters_by_site(probed):
    result = probed["flow_map"]
    # one site picked: only its outgoing flows, every one of them, whatever the top-N says
    assert 0 < result["site_filter"]["shown"] == result["site_filter"]["from_site"]
    assert result["flow_lines_shown"] == 30  # and back to the top 30 when cleared


def test_the_heatmap_legend_gives_real_units(simulated_quarter, probed):
    _, release, _ = simulated_quarter
    result = probed["heat_map"]
    profile = pq.read_table(release.path / "tables" / "footfall_profile.parquet").to_pylist()
    top = max(r["mean_devices"] for r in profile if r["mean_devices"] is not None)
    assert f"最大 {top:,.0f}" in result["legend"]
    assert "devices an hour" in result["legend_en"]


def test_the_change_map_says_there_is_nothing_to_compare_yet(simulated_quarter, tmp_path):
    _, release, _ = simulated_quarter
    result = probe_map(release.path / "maps" / "change.html", tmp_path)
    assert "比較できる" in result["legend"] and result["change"] == {"up": 0, "down": 0, "hidden": 0}
    assert result["base_city"] >= 1


def test_the_change_map_colours_rises_falls_and_shows_hidden_sites(simulated_quarter, tmp_path):
    _, release, _ = simulated_quarter
    tables = {p.stem: pq.read_table(p) for p in (release.path / "tables").glob("*.parquet")}
    now = tables["sites"].to_pylist()
    # an earlier quarter of the same sites: the first third busier, the rest quieter, one hidden
    earlier = [
        {
            **s,
            "mean_daily_devices": None
            if i == 0 or s["mean_daily_devices"] is None
            else s["mean_daily_devices"] * (2 if i < len(now) / 3 else 0.5),
        }
        for i, s in enumerate(now)
    ]
    od = [r for r in tables["od_flows"].to_pylist() if not r["suppressed"]]
    # and its flows: every other pair had twice the trips, the rest a third fewer; one was hidden
    earlier_od = [
        {**r, "trips": r["trips"] * 2 if i % 2 else r["trips"] * 2 // 3, "suppressed": i == 0}
        for i, r in enumerate(od)
    ]
    before = {
        "previous": pa.Table.from_pylist(earlier, schema=tables["sites"].schema),
        "last_year": None,
        "previous_od": pa.Table.from_pylist(earlier_od, schema=tables["od_flows"].schema),
    }
    render.render_maps(tables, tmp_path / "maps", "FY2024Q1", 10, before=before)
    result = probe_map(tmp_path / "maps" / "change.html", tmp_path)
    published = [s for s in now if s["mean_daily_devices"] is not None]
    hidden = len(now) - len(published) + (now[0]["mean_daily_devices"] is not None)
    assert result["change"]["hidden"] == hidden
    assert result["change"]["up"] + result["change"]["down"] == len(now) - hidden
    assert result["change"]["up"] > 0 and result["change"]["down"] > 0
    assert "前四半期比" in result["legend"] and "+50% 以上" in result["legend"]
    page = (tmp_path / "maps" / "change.html").read_text(encoding="utf-8")
    assert page.count('"ff-odchange ff-previous"') == min(30, len(od) - 1)  # the OD change, drawn
    assert "今期だけ公表の1組" in result["legend"]
    assert _japanese_beside(result["japanese_in_english"], [s["site_name"] for s in now]) == []  # the switch
    assert _errors(result["console"]) == [] and _only_local(result["resources"]) == []


RELEASE_LIMIT = 10_000_000  # bytes: a release goes by e-mail and on a USB stick


def _size(folder) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_a_release_stays_under_10_mb_even_with_every_pair_of_sites_published(simulated_quarter, tmp_path):
    _, release, _ = simulated_quarter
    assert _size(release.path) < RELEASE_LIMIT
    # flows.html grows with the published pairs: publish every ordered pair of sites (the most a
    # release can hold) and the release must still fit.
    tables = {p.stem: pq.read_table(p) for p in (release.path / "tables").glob("*.parquet")}
    sites = tables["sites"].to_pylist()
    every = [
        {
            "origin_zone_id": a["site_id"],
            "origin_name": a["site_name"],
            "dest_zone_id": b["site_id"],
            "dest_name": b["site_name"],
            "trips": 10 + (i * 7919) % 5000,
            "device_days": 10 + i % 900,
            "median_travel_min": round(5 + i % 55 + 0.1, 1),
            "origin_lat": a["lat"],
            "origin_lon": a["lon"],
            "dest_lat": b["lat"],
            "dest_lon": b["lon"],
            "suppressed": False,
        }
        for i, (a, b) in enumerate((a, b) for a in sites for b in sites if a is not b)
    ]
    tables["od_flows"] = pa.Table.from_pylist(every, schema=tables["od_flows"].schema)
    page = tmp_path / "flows.html"
    page.write_text(render.flowmap(tables, "FY2024Q1", 10).get_root().render(), encoding="utf-8")
    published = (release.path / "maps" / "flows.html").stat().st_size
    assert len(every) == len(sites) * (len(sites) - 1) > 1000
    assert _size(release.path) - published + page.stat().st_size < RELEASE_LIMIT
