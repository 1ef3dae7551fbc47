"""`footfall basemap`: a city's own GIS export (any CRS, any of three formats) replaces a layer."""

import json

import geopandas as gpd
import pyarrow.parquet as pq
import pytest
from shapely.geometry import Point, shape
from typer.testing import CliRunner

from maps import basemap, render
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
        ("layer", "unknown layer"),
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
    result = runner.invoke(app, ["basemap", "rivers" if case == "layer" else "city", str(source)])
    assert result.exit_code == 1
    assert message in result.output
    assert not (lake / "var" / "basemap" / "city.geojson").exists()


def test_the_maps_draw_the_citys_own_layer(simulated_quarter, tmp_path):
    _, release, _ = simulated_quarter
    tables = {p.stem: pq.read_table(p) for p in (release.path / "tables").glob("*.parquet")}
    stations = gpd.GeoDataFrame({"名称": ["市役所前"]}, geometry=[Point(131.6126, 33.2382)], crs=4326)
    stations.to_crs(6670).to_file(tmp_path / "stops.gpkg")
    basemap.import_layer("stations", tmp_path / "stops.gpkg", tmp_path / "own")
    render.render_maps(tables, tmp_path / "maps", "FY2024Q1", 10, basemap_dir=tmp_path / "own")
    page = (tmp_path / "maps" / "heatmap.html").read_text(encoding="utf-8")
    own = json.loads((tmp_path / "maps" / "lib" / "basemap-stations.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["name"] for f in own["features"]] == ["市役所前"]
    assert '"name":"市役所前"' in page and '"name":"鶴崎駅"' not in page  # the city's layer, not ours
    assert "Replaced by the city" in (tmp_path / "maps" / "lib" / "basemap-SOURCES.md").read_text()
