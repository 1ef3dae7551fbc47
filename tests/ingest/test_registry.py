import csv

import pytest

from pipeline.ingest.registry import COLUMNS, STANDARD_COLUMNS, RegistryError, canonical_mac, load_registry
from pipeline.config import SAMPLE_REGISTRY


def _rows():
    with open(SAMPLE_REGISTRY, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _write(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_the_sample_is_the_standard_layout_with_three_appended_columns():
    header = _rows()[0]
    assert len(STANDARD_COLUMNS) == 18
    assert header == STANDARD_COLUMNS + ["AP_ID", "AP名", "AP_MAC"]


def test_the_sample_has_about_100_aps_at_40_to_60_oita_sites(registry):
    assert 90 <= registry.aps.num_rows <= 110
    assert 40 <= registry.sites.num_rows <= 60
    sites = registry.sites.to_pylist()
    assert "JR大分駅" in {s["site_name"] for s in sites}
    for site in sites:  # all within Oita City's extent
        assert 33.1 < site["lat"] < 33.3 and 131.45 < site["lon"] < 131.95
    assert sum(s["n_aps"] for s in sites) == registry.aps.num_rows
    assert registry.ap_macs.num_rows == 2 * registry.aps.num_rows


def test_rows_sharing_a_name_are_one_site(registry):
    station = [a for a in registry.aps.to_pylist() if a["site_name"] == "JR大分駅"]
    assert len(station) > 1 and len({a["site_id"] for a in station}) == 1


def test_shift_jis_files_read_like_utf8(tmp_path, registry):
    path = _write(tmp_path / "sjis.csv", _rows(), encoding="cp932")
    assert load_registry(path).aps.equals(registry.aps)


def test_a_duplicate_ap_mac_is_refused_with_both_row_numbers(tmp_path):
    rows = _rows()
    rows[5][COLUMNS.index("AP_MAC")] = rows[2][COLUMNS.index("AP_MAC")].upper().replace(":", "-")
    with pytest.raises(RegistryError, match=r"row 6: AP_MAC .* also on row 3"):
        load_registry(_write(tmp_path / "dup.csv", rows))


def test_coordinates_outside_japan_are_refused(tmp_path):
    rows = _rows()
    lat, lon = COLUMNS.index("緯度"), COLUMNS.index("経度")
    rows[4][lat], rows[4][lon] = rows[4][lon], rows[4][lat]  # swapped, a classic
    with pytest.raises(RegistryError, match=r"row 5: 緯度 .* outside Japan"):
        load_registry(_write(tmp_path / "swap.csv", rows))


def test_a_wrong_header_says_what_is_expected(tmp_path):
    rows = _rows()
    rows[0] = rows[0][:-1]
    with pytest.raises(RegistryError, match="18 standard columns"):
        load_registry(_write(tmp_path / "short.csv", rows))


@pytest.mark.parametrize("text", ["aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff", "AABBCCDDEEFF"])
def test_every_mac_spelling_is_one_canonical_form(text):
    assert canonical_mac(text) == "aabbccddeeff"


@pytest.mark.parametrize("text", ["", "aa:bb:cc:dd:ee", "gg:bb:cc:dd:ee:ff", "aabbccddeeff00"])
def test_non_macs_are_none(text):
    assert canonical_mac(text) is None


def _zones_file(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    zones = gpd.GeoDataFrame(
        {"zone_id": ["Z-CENTRAL", "Z-EAST"], "name": ["中心市街地", "東部"]},
        geometry=[box(131.600, 33.228, 131.616, 33.242), box(131.64, 33.20, 131.78, 33.26)],
        crs=4326,
    ).to_crs(3857)  # any CRS: it is reprojected
    path = tmp_path / "zones.geojson"
    zones.to_file(path, driver="GeoJSON")
    return path


def test_sites_take_the_district_polygon_that_holds_them(tmp_path, registry, caplog):
    from pipeline.ingest.registry import with_zones

    zoned = with_zones(registry, _zones_file(tmp_path))
    sites = {s["site_name"]: s for s in zoned.sites.to_pylist()}
    assert sites["JR大分駅"]["zone_id"] == sites["ガレリア竹町"]["zone_id"] == "Z-CENTRAL"
    assert sites["JR鶴崎駅"]["zone_id"] == "Z-EAST" and sites["JR鶴崎駅"]["zone_name"] == "東部"
    # outside every polygon: a zone of its own, and a warning that names it
    assert sites["高崎山自然動物園"]["zone_id"] == sites["高崎山自然動物園"]["site_id"]
    assert "高崎山自然動物園" in caplog.text and "outside every zone" in caplog.text
    aps = {a["site_name"]: a["zone_id"] for a in zoned.aps.to_pylist()}
    assert aps["JR大分駅"] == "Z-CENTRAL"


def test_od_flows_run_between_zones_when_polygons_are_given(tmp_path):
    from datetime import date

    import duckdb

    from pipeline.ops import stages
    from tests.conftest import make_settings
    from tests.ops.test_stages import DAY, aps_of, session, stage_events

    settings = make_settings(tmp_path, FOOTFALL_ZONES=str(_zones_file(tmp_path)))
    from pipeline.ingest.registry import registry_for

    registry = registry_for(settings, DAY)
    station, arcade, east = (aps_of(registry, n)[0] for n in ("JR大分駅", "ガレリア竹町", "JR鶴崎駅"))
    stage_events(settings, session(1, station, 0, 10) + session(1, arcade, 20, 40) + session(1, east, 60, 80))
    stages.movement(settings, DAY)
    stages.marts(settings, DAY)
    flows = duckdb.sql(
        f"select origin_zone_id, dest_zone_id, trips from "
        f"'{settings.marts}/od_flows/day={date(2024, 4, 1)}/part.parquet'"
    ).fetchall()
    assert flows == [("Z-CENTRAL", "Z-EAST", 1)]  # station -> arcade stays inside the centre
