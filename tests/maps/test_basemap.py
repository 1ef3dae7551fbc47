"""`footfall basemap`: a city's own GIS export (any CRS, any of three formats) replaces a layer."""

import json

import geopandas as gpd
import pyarrow.parquet as pq
import pytest
from shapely.geometry import LineString, Point, box, shape
from typer.testing import CliRunner

from maps import basemap, render
from tests.maps.browser import CHROMIUM, probe_map
from pipeline.cli import app

runner = CliRunner()


def _city() -> gpd.GeoDataFrame:
    """The vendored boundary in the city's plane rectangular CRS (JGD2011 zone II), as a GIS exports it."""
    frame = gpd.read_file(basemap.VENDORED / "city.geojson")
    return frame.rename(columns={"name": "名称"}).to_crs(6670)


@pytest.mark.parametrize("suffix", [".shp", ".gpkg", ".geojson"])
def test_a_city_export_in_any_crs_becomes_the_layer(lake, suffix):
    source = lake / f"own{suffix}"
    _city().to_file(source)
    result = runner.invoke(app, ["basemap", "city", str(source)])
    assert result.exit_code == 0, result.output
    written = json.loads((lake / "var" / "basemap" / "city.geojson").read_text(encoding="utf-8"))
    polygon = shape(written["features"][0]["geometry"])
    assert written["features"][0]["properties"]["name"] == "大分市"
    assert polygon.contains(Point(131.60731, 33.23231))  # back in WGS 84: Oita Station inside
    original = shape(json.loads((basemap.VENDORED / "city.geojson").read_text())["features"][0]["geometry"])
    assert abs(polygon.area - original.area) / original.area < 0.01


def test_a_large_layer_is_simplified_to_its_budget(lake):
    source = lake / "dense.geojson"
    frame = _city()
    frame["geometry"] = frame.geometry.segmentize(20)  # a vertex every 20 m: far over a small budget
    frame.to_file(source)
    done = basemap.import_layer("city", source, lake / "out", budget=20_000)
    assert done["tolerance_deg"] > 0
    assert (lake / "out" / "city.geojson").stat().st_size <= 20_000


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
@pytest.mark.parametrize(
    "case, message",
    [
        ("points", "needs MultiPolygon or Polygon"),
        ("nocrs", "no coordinate reference system"),
        ("garbage", "not a readable"),
    ],
)
def test_an_unusable_export_is_refused_with_what_to_do(lake, case, message):
    source = lake / "bad.geojson"
    if case == "points":
        gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(131.6, 33.2)], crs=4326).to_file(source)
    elif case == "nocrs":
        source = lake / "bad.shp"
        gpd.GeoDataFrame({"name": ["x"]}, geometry=list(_city().geometry), crs=None).to_file(source)
    elif case == "garbage":
        source.write_text("{not json", encoding="utf-8")
    else:
        _city().to_file(source)
    result = runner.invoke(app, ["basemap", "city", str(source)])
    assert result.exit_code == 1
    assert message in result.output
    assert not (lake / "var" / "basemap" / "city.geojson").exists()


def test_an_unknown_layer_is_a_usage_error(lake):
    source = lake / "own.geojson"
    _city().to_file(source)
    result = runner.invoke(app, ["basemap", "parks", str(source)])
    assert result.exit_code == 2
    assert "unknown layer 'parks'" in result.output and "districts" in result.output
    assert not (lake / "var" / "basemap").exists()


def _sjis_districts(lake):
    """Districts as a Japanese GIS exports them: a Shapefile in Shift_JIS (cp932), no .cpg."""
    frame = gpd.GeoDataFrame(
        {"名称": ["府内町", "大手町"]},
        geometry=[box(131.600, 33.230, 131.610, 33.240), box(131.610, 33.230, 131.620, 33.240)],
        crs=4326,
    )
    source = lake / "chocho.shp"
    frame.to_file(source, encoding="cp932")
    source.with_suffix(".cpg").unlink()
    return source


@pytest.mark.parametrize("force", [False, True])
def test_a_shift_jis_shapefile_without_cpg_keeps_its_japanese_names(lake, force):
    source = _sjis_districts(lake)
    result = runner.invoke(
        app, ["basemap", "districts", str(source), *(["--encoding", "cp932"] if force else [])]
    )
    assert result.exit_code == 0, result.output
    assert "name from 名称" in result.output and "cp932" in result.output
    written = json.loads((lake / "var" / "basemap" / "districts.geojson").read_text(encoding="utf-8"))
    assert sorted(f["properties"]["name"] for f in written["features"]) == ["大手町", "府内町"]


@pytest.mark.parametrize("damage", ["truncated", "no_shx"])
def test_a_damaged_or_incomplete_shapefile_says_so(lake, damage):
    source = _sjis_districts(lake)
    if damage == "truncated":
        data = source.read_bytes()
        source.write_bytes(data[: len(data) - 60])
    else:
        source.with_suffix(".shx").unlink()
    result = runner.invoke(app, ["basemap", "districts", str(source)])
    assert result.exit_code == 1
    expected = "damaged" if damage == "truncated" else "incomplete: chocho.shx is missing"
    assert expected in result.output and ("export it again" in result.output or "copy every" in result.output)
    assert "no polygons" not in result.output and "has none" not in result.output


def _own_layers(tmp_path) -> dict:
    """A city's own districts (Shapefile, JGD2011 zone III), rivers (GeoPackage) and roads
    (Shapefile, zone II), as its GIS exports them: plane coordinates, Japanese attribute names."""
    city = _city().geometry.iloc[0]
    x0, y0, x1, y1 = city.bounds
    cells = [
        box(
            x0 + (x1 - x0) * i / 3,
            y0 + (y1 - y0) * j / 3,
            x0 + (x1 - x0) * (i + 1) / 3,
            y0 + (y1 - y0) * (j + 1) / 3,
        ).intersection(city)
        for i in range(3)
        for j in range(3)
    ]
    names = ["府内町", "中央町", "金池町", "舞鶴町", "長浜町", "萩原", "鶴崎", "大在", "佐賀関"]
    districts = gpd.GeoDataFrame({"S_NAME": names}, geometry=cells, crs=6670)
    districts = districts[~districts.geometry.is_empty].to_crs(6671)
    rivers = gpd.GeoDataFrame(
        {"W05_004": ["大分川", "大野川"]},
        crs=4326,
        geometry=[
            LineString([(131.585, 33.17), (131.60, 33.21), (131.62, 33.25)]),
            LineString([(131.69, 33.15), (131.70, 33.20), (131.71, 33.26)]),
        ],
    ).to_crs(6670)
    roads = gpd.GeoDataFrame(
        {"名称": ["国道10号"]},
        crs=4326,
        geometry=[LineString([(131.55, 33.24), (131.607, 33.232), (131.70, 33.25), (131.76, 33.25)])],
    ).to_crs(6670)
    files = {
        "districts": tmp_path / "chochomoku.shp",
        "rivers": tmp_path / "kasen.gpkg",
        "roads": tmp_path / "douro.shp",
    }
    for path, frame in zip(files.values(), (districts, rivers, roads)):
        frame.to_file(path)
    return {**files, "n_districts": len(districts)}


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is required: `make test` installs it")
def test_the_maps_draw_the_citys_own_layers(simulated_quarter, tmp_path):
    _, release, _ = simulated_quarter
    tables = {p.stem: pq.read_table(p) for p in (release.path / "tables").glob("*.parquet")}
    stations = gpd.GeoDataFrame({"名称": ["市役所前"]}, geometry=[Point(131.6126, 33.2382)], crs=4326)
    stations.to_crs(6670).to_file(tmp_path / "stops.gpkg")
    credit = "大分市 交通政策課 <b>停留所</b> (CC BY 4.0)"
    basemap.import_layer("stations", tmp_path / "stops.gpkg", tmp_path / "own", credit=credit)
    own = _own_layers(tmp_path)
    for layer in ("districts", "rivers", "roads"):
        done = basemap.import_layer(layer, own[layer], tmp_path / "own")
        assert done["name_field"] in ("S_NAME", "W05_004", "名称")
    render.render_maps(tables, tmp_path / "maps", "FY2024Q1", 10, basemap_dir=tmp_path / "own")
    lib = tmp_path / "maps" / "lib"
    drawn = json.loads((lib / "basemap.js").read_text(encoding="utf-8").split("=", 1)[1].rstrip(";\n"))
    assert [f["properties"]["name"] for f in drawn["stations"]["features"]] == ["市役所前"]
    assert "鶴崎駅" not in (lib / "basemap.js").read_text(encoding="utf-8")  # the city's layer, not ours
    districts = json.loads((lib / "basemap-districts.geojson").read_text(encoding="utf-8"))["features"]
    assert "府内町" in {f["properties"]["name"] for f in districts}
    centre = shape(next(f for f in districts if f["properties"]["name"] == "府内町")["geometry"])
    assert 131.2 < centre.centroid.x < 131.9 and 33.0 < centre.centroid.y < 33.4  # back in WGS 84
    sources = (lib / "basemap-SOURCES.md").read_text(encoding="utf-8")
    assert "Replaced by the city" in sources and f"stations.geojson (鉄道駅): {credit}" in sources
    assert "districts.geojson (町丁・地区): 町丁・地区：市の提供データ（出典未記録）" in sources
    assert "not drawn" not in sources and "None is drawn" not in sources
    result = probe_map(tmp_path / "maps" / "heatmap.html", tmp_path)
    # the city's credit is shown as text (not markup), the vendored stations' credit is gone
    assert credit in result["attribution"] and "station_database" in result["attribution"]  # railways
    assert result["base_paths"]["districts"] == own["n_districts"] == len(districts)
    assert result["base_paths"]["rivers"] == 2 and result["base_paths"]["roads"] == 1
    assert result["base_paths"]["coast"] >= 1 and result["base_paths"]["railways"] >= 1
    assert {"町丁・地区", "河川", "主要道路", "鉄道", "海岸線"} <= set(result["base_control"])
    assert "河川" in result["legend"] and "main roads" in result["legend_en"]
    assert [r for r in result["resources"] if not r.startswith("file://")] == []
