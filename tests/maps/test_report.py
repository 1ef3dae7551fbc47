"""figures/ and report.pdf of a release: drawn from the published tables, Japanese text embedded."""

import json
import re

import pyarrow.parquet as pq
import pytest
from PIL import Image
from pypdf import PdfReader

from maps import figures


def _pdf_text(path):
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_every_figure_is_written_as_png_at_300_dpi_and_svg(simulated_quarter):
    _, release, _ = simulated_quarter
    for name in figures.FIGURES:
        png = release.path / "figures" / f"{name}.png"
        with Image.open(png) as image:
            assert round(image.info["dpi"][0]) == 300
            assert image.size[0] >= 2000
        svg = (release.path / "figures" / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<?xml") and "<svg" in svg
    assert {
        "map_footfall_city",
        "map_footfall_centre",
        "map_flows_city",
        "map_flows_centre",
        "trend_top_sites",
        "profile_weekday_holiday",
        "dwell_distribution",
        "top_od_pairs",
    } <= set(figures.FIGURES)


def test_every_map_figure_credits_the_base_map(simulated_quarter):
    from matplotlib import pyplot as plt

    from maps import basemap

    _, release, _ = simulated_quarter
    tables = {p.stem: pq.read_table(p) for p in (release.path / "tables").glob("*.parquet")}
    figures.style()
    for draw in (figures.footfall_map, figures.flow_map):
        fig, ax = plt.subplots()
        draw(ax, tables, basemap.load())
        texts = [t.get_text() for t in ax.texts]
        plt.close(fig)
        assert any(basemap.N03 in t and basemap.STATION_DB in t for t in texts), texts


@pytest.mark.parametrize("name", ["map_footfall_centre", "map_flows_centre"])
def test_the_centre_maps_name_the_busiest_sites_with_a_scale_and_north(simulated_quarter, name):
    from matplotlib import pyplot as plt

    from maps import basemap

    _, release, _ = simulated_quarter
    tables = {p.stem: pq.read_table(p) for p in (release.path / "tables").glob("*.parquet")}
    figures.style()
    draw, options, size = figures.FIGURES[name]
    fig, ax = plt.subplots(figsize=size)
    draw(ax, tables, basemap.load(), **options)
    (lon0, lon1), (lat0, lat1) = ax.get_xlim(), ax.get_ylim()
    texts = [t.get_text() for t in ax.texts]
    plt.close(fig)
    sites = tables["sites"].to_pylist()
    inside = [s for s in sites if lon0 <= s["lon"] <= lon1 and lat0 <= s["lat"] <= lat1]
    busiest = max(
        (s for s in inside if s["mean_daily_devices"] is not None), key=lambda s: s["mean_daily_devices"]
    )
    assert busiest["site_name"] in texts
    assert "N" in texts and any(re.fullmatch(r"\d+ k?m", t) for t in texts)  # north arrow, scale bar
    # no site marker sits on the frame, to be cut in half (the centre box is padded around them)
    edge = min(min(abs(s["lon"] - x) for x in (lon0, lon1)) for s in sites if lat0 <= s["lat"] <= lat1)
    edge = min(
        edge, min(min(abs(s["lat"] - y) for y in (lat0, lat1)) for s in sites if lon0 <= s["lon"] <= lon1)
    )
    assert edge > 0.001


def test_the_overview_charts_switch_to_english(simulated_quarter):
    from matplotlib import pyplot as plt

    _, release, _ = simulated_quarter
    index = (release.path / "index.html").read_text(encoding="utf-8")
    tables = {p.stem: pq.read_table(p) for p in (release.path / "tables").glob("*.parquet")}
    figures.style()
    for name in figures.OVERVIEW_EN:
        assert (release.path / "figures" / "en" / f"{name}.svg").exists()
        assert f'<img lang="en" src="figures/en/{name}.svg"' in index
        draw, options, _ = figures.FIGURES[name]
        fig, ax = plt.subplots()
        draw(ax, tables, {}, **options, en=True)
        words = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        if name == "profile_weekday_holiday":
            words += [t.get_text() for t in ax.get_legend().get_texts()]
        plt.close(fig)
        assert words and not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", "".join(words)), words


CREDIT = "市 $\\nosuch{x}$ 提供"


def test_a_citys_credit_is_printed_as_given_even_with_dollar_signs(simulated_quarter, tmp_path):
    import io

    import geopandas as gpd
    from matplotlib import pyplot as plt

    from maps import basemap

    _, release, _ = simulated_quarter
    tables = {p.stem: pq.read_table(p) for p in (release.path / "tables").glob("*.parquet")}
    basemap.import_layer("city", basemap.VENDORED / "city.geojson", tmp_path / "own", credit=CREDIT)
    assert isinstance(gpd.read_file(tmp_path / "own" / "city.geojson"), gpd.GeoDataFrame)
    figures.style()
    fig, ax = plt.subplots()
    figures.footfall_map(ax, tables, basemap.load(tmp_path / "own"))
    fig.savefig(io.BytesIO(), format="png")  # read as TeX, "$\\nosuch$" would raise here
    plt.close(fig)
    assert any(CREDIT in t.get_text() for t in ax.texts)


def test_the_report_reads_in_japanese_with_the_released_numbers(simulated_quarter):
    _, release, _ = simulated_quarter
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    headline = manifest["headline"]
    text = _pdf_text(release.path / "report.pdf")
    assert "四半期報告" in text and "方法とプライバシー" in text
    assert f"{headline['device_days']:,}" in text and f"{headline['trips']:,}" in text
    for name, mean in headline["top_sites"]:
        assert f"{name}　{mean:,.1f}" in text
    # the maps' station labels, drawn from the vendored base map, are real text in the PDF
    assert "大分駅" in text and "古国府駅" in text
    # every pair the report names is a published one (a suppressed pair never shows)
    od = pq.read_table(release.path / "tables" / "od_flows.parquet").to_pylist()
    published = {(r["origin_name"], r["dest_name"]) for r in od if not r["suppressed"]}
    shown = set(re.findall(r"(\S+) → (\S+)", text))
    assert shown and shown <= published


def test_the_report_embeds_its_japanese_font(simulated_quarter):
    _, release, _ = simulated_quarter
    reader = PdfReader(release.path / "report.pdf")
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and "/FontFile2" in descriptor.get_object():
                    embedded.add(str(descendant.get_object()["/BaseFont"]))
    assert any("CJK" in name or "JP" in name for name in embedded), embedded


def test_no_cjk_font_is_a_clear_error():
    with pytest.raises(figures.FontMissing, match="fonts-noto-cjk"):
        figures.find_cjk_font(["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"])


def test_site_labels_never_touch_even_where_sites_crowd():
    """The planner's finding: labels near 大分駅 touched. Twelve busy sites a few metres apart,
    long names: the labels drawn are the busiest ones that fit, and no two of them overlap."""
    from matplotlib import pyplot as plt

    from maps import cartography

    figures.style()
    fig, ax = plt.subplots(figsize=(6, 6), dpi=100)
    extent = (131.58, 131.64, 33.22, 33.26)
    ax.set_xlim(*extent[:2])
    ax.set_ylim(*extent[2:])
    sites = [
        {
            "site_id": f"S{i:02}",
            "site_name": f"大分駅前 府内五番街商店街 第{i}広場",
            "lon": 131.610 + (i % 4) * 0.0015,
            "lat": 33.240 + (i // 4) * 0.0008,
            "mean_daily_devices": 1000 - i,
        }
        for i in range(12)
    ]
    named = cartography.label_sites(ax, sites, extent)
    assert named[0] == sites[0]["site_name"] and 1 < len(named) < len(sites)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) == len(named)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    plt.close(fig)
