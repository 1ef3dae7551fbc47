"""The release's figures (figures/*.png at 300 dpi and *.svg), drawn from the published tables only.

Each figure is a function drawing on one matplotlib Axes, so the same drawing goes into its own file
and onto a page of report.pdf. Japanese text needs a CJK font: Debian's fonts-noto-cjk, found on the
system and embedded (TrueType, fonttype 42) in every PDF.
"""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: a release is built by a scheduler or a terminal

from maps import cartography  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

CJK_HINTS = ("NotoSansCJK", "NotoSansJP", "SourceHanSans", "IPAexGothic", "ipag", "NotoSerifCJK")
VIRIDIS = "viridis"
CENTRE = (131.585, 131.630, 33.220, 33.245)  # lon/lat box around Oita Station and the old town
DAY_TYPES = {"weekday": "平日", "holiday": "土日祝"}
DAY_TYPES_EN = {"weekday": "weekdays", "holiday": "weekends and holidays"}
# the overview page's inline charts, also drawn in English (en/<name>.svg) for its language switch
OVERVIEW_EN = ("trend_top_sites", "profile_weekday_holiday")


class FontMissing(RuntimeError):
    """No Japanese font on this machine: the figures would show boxes instead of text."""


@functools.cache
def cjk_font() -> str:
    """The family name of an installed Japanese font, registered with matplotlib."""
    return find_cjk_font(sorted(font_manager.findSystemFonts()))


def find_cjk_font(files: list[str]) -> str:
    """The first Japanese font among files (Noto Sans CJK first), registered; FontMissing if none."""
    for hint in CJK_HINTS:
        for path in files:
            if hint.lower() in Path(path).name.lower() and "bold" not in Path(path).name.lower():
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
    raise FontMissing(
        "no Japanese (CJK) font found for the figures and report.pdf: install Debian's "
        "fonts-noto-cjk (sudo apt-get install fonts-noto-cjk, or `make browser`) and "
        "publish again"
    )


def style() -> None:
    """Japanese-capable defaults; TrueType fonts embedded in PDFs (searchable, printable)."""
    plt.rcParams.update(
        {
            "font.family": cjk_font(),
            "pdf.fonttype": 42,
            "svg.fonttype": "path",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "footfall",
            "axes.unicode_minus": False,
        }
    )


def _rings(geometry: dict):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        for ring in polygon:
            yield [p[0] for p in ring], [p[1] for p in ring]


def _lines(geometry: dict):
    kind, coords = geometry["type"], geometry["coordinates"]
    parts = {"LineString": [coords], "MultiLineString": coords}.get(kind, [])
    for line in parts:
        yield [p[0] for p in line], [p[1] for p in line]


def _base(ax, layers: dict, extent) -> None:
    ax.set_facecolor("#e4e4e0")
    for feature in layers["city"]["features"]:
        for xs, ys in _rings(feature["geometry"]):
            ax.fill(xs, ys, color="white", zorder=1)
            ax.plot(xs, ys, color="#555", linewidth=0.8, linestyle="--", zorder=2)
    for kind, colour, width in (
        ("coast", "#1f5f8b", 1.2),
        ("rivers", "#4a90c2", 1.0),
        ("roads", "#c9a227", 1.0),
        ("railways", "#222", 1.4),
    ):
        for feature in layers.get(kind, {}).get("features", []):
            for xs, ys in _lines(feature["geometry"]):
                ax.plot(xs, ys, color=colour, linewidth=width, zorder=3)
    lon0, lon1, lat0, lat1 = extent
    for feature in layers["stations"]["features"]:
        lon, lat = feature["geometry"]["coordinates"][:2]
        if lon0 <= lon <= lon1 and lat0 <= lat <= lat1:
            ax.plot(lon, lat, "o", markersize=4, markerfacecolor="white", markeredgecolor="black", zorder=5)
            ax.annotate(
                feature["properties"].get("name", ""),
                (lon, lat),
                xytext=(4, 2),
                textcoords="offset points",
                fontsize=7,
                zorder=6,
            )
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1 / 0.837)  # cos(33.2°): metres the same both ways
    cartography.credit(ax, layers)
    cartography.scale_bar(ax, extent)
    cartography.north_arrow(ax)
    ax.set_xticks([])
    ax.set_yticks([])


def _extent(tables, layers, centre: bool):
    if centre:
        sites = [(s["lon"], s["lat"]) for s in tables["sites"].to_pylist()]
        return cartography.clear_of(cartography.padded(CENTRE), sites)
    lons = [s["lon"] for s in tables["sites"].to_pylist()]
    lats = [s["lat"] for s in tables["sites"].to_pylist()]
    pad = 0.02
    return min(lons) - pad, max(lons) + pad, min(lats) - pad, max(lats) + pad


def footfall_map(ax, tables, layers, centre: bool = False) -> None:
    """Sites sized and coloured (viridis) by mean devices a day; suppressed sites as grey rings."""
    _base(ax, layers, _extent(tables, layers, centre))
    sites = tables["sites"].to_pylist()
    shown = [s for s in sites if s["mean_daily_devices"] is not None]
    hidden = [s for s in sites if s["mean_daily_devices"] is None]
    top = max((s["mean_daily_devices"] for s in shown), default=1)
    dots = ax.scatter(
        [s["lon"] for s in shown],
        [s["lat"] for s in shown],
        s=[10 + 190 * s["mean_daily_devices"] / top for s in shown],
        c=[s["mean_daily_devices"] for s in shown],
        cmap=VIRIDIS,
        vmin=0,
        vmax=top,
        edgecolors="black",
        linewidths=0.3,
        zorder=4,
    )
    ax.scatter(
        [s["lon"] for s in hidden],
        [s["lat"] for s in hidden],
        s=14,
        facecolors="none",
        edgecolors="#888",
        zorder=4,
        label="秘匿",
    )
    ax.figure.colorbar(dots, ax=ax, shrink=0.6, label="1日平均端末数")
    if centre:
        cartography.label_sites(ax, sites, _extent(tables, layers, centre))
    ax.set_title("地点別 1日平均端末数" + ("（中心部）" if centre else "（市域）"))


def flow_map(ax, tables, layers, centre: bool = False, top_n: int = 30) -> None:
    """The busiest published OD pairs as lines, width and colour by trips."""
    _base(ax, layers, _extent(tables, layers, centre))
    flows = sorted(
        (r for r in tables["od_flows"].to_pylist() if not r["suppressed"]),
        key=lambda r: (-r["trips"], r["origin_zone_id"], r["dest_zone_id"]),
    )[:top_n]
    top = max((r["trips"] for r in flows), default=1)
    cmap = plt.get_cmap(VIRIDIS).reversed()
    for r in reversed(flows):
        arrow = ax.annotate(
            "",
            xy=(r["dest_lon"], r["dest_lat"]),
            xytext=(r["origin_lon"], r["origin_lat"]),
            arrowprops={
                "arrowstyle": "-|>",
                "color": cmap(r["trips"] / top),
                "linewidth": 0.5 + 4 * r["trips"] / top,
                "connectionstyle": "arc3,rad=0.2",
            },
            zorder=3,
            annotation_clip=False,
        )
        arrow.arrow_patch.set_clip_box(ax.bbox)  # a pair leaving the extent is cut at its edge
    mappable = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, top))
    ax.figure.colorbar(mappable, ax=ax, shrink=0.6, label="トリップ数（四半期）")
    if centre:
        cartography.label_sites(ax, tables["sites"].to_pylist(), _extent(tables, layers, centre))
    ax.set_title(f"地点間の移動 上位{len(flows)}件" + ("（中心部）" if centre else "（市域）"))


def daily_trend(ax, tables, layers, n: int = 5, en: bool = False) -> None:
    """Devices a day at the n busiest published sites (en: English labels, for the overview)."""
    sites = sorted(
        (s for s in tables["sites"].to_pylist() if s["device_days"] is not None),
        key=lambda s: (-s["device_days"], s["site_id"]),
    )[:n]
    rows = tables["footfall_daily"].to_pylist()
    for s in sites:
        days = sorted(
            (r["day"], r["devices"])
            for r in rows
            if r["site_id"] == s["site_id"] and r["devices"] is not None
        )
        ax.plot([d for d, _ in days], [v for _, v in days], marker="o", markersize=3, label=s["site_name"])
    ax.set_ylabel("devices a day" if en else "端末数（日）")
    ax.set_title(f"devices a day, {len(sites)} busiest sites" if en else f"日別端末数 上位{len(sites)}地点")
    ax.legend(fontsize=7)
    ax.figure.autofmt_xdate()


def hourly_profile(ax, tables, layers, en: bool = False) -> None:
    """Mean devices per hour summed over the sites, weekday against weekend/holiday (en: English)."""
    rows = tables["footfall_profile"].to_pylist()
    for key, label in (DAY_TYPES_EN if en else DAY_TYPES).items():
        totals = [
            sum(
                r["mean_devices"]
                for r in rows
                if r["day_type"] == key and r["hour_local"] == h and r["mean_devices"] is not None
            )
            for h in range(24)
        ]
        ax.plot(
            range(24),
            totals,
            marker="o",
            markersize=3,
            label=label,
            linestyle="-" if key == "weekday" else "--",
        )
    ax.set_xticks(range(0, 24, 3))
    ax.set_xlabel("hour" if en else "時")
    ax.set_ylabel("mean devices (all sites)" if en else "平均端末数（全地点の合計）")
    ax.set_title("devices by hour, weekdays and weekends/holidays" if en else "時間帯別の端末数 平日と土日祝")
    ax.legend()


def dwell_distribution(ax, tables, layers) -> None:
    """How the published median visit lengths (per site and day) spread."""
    values = [
        r["median_dwell_min"]
        for r in tables["footfall_daily"].to_pylist()
        if r["median_dwell_min"] is not None
    ]
    ax.hist(values, bins=20, color="#21918c", edgecolor="white")
    ax.set_xlabel("滞在時間の中央値（分）")
    ax.set_ylabel("地点×日の数")
    ax.set_title("滞在時間の分布（地点・日ごとの中央値）")


def top_od(ax, tables, layers, n: int = 15) -> None:
    """The n busiest published OD pairs as bars."""
    flows = sorted(
        (r for r in tables["od_flows"].to_pylist() if not r["suppressed"]),
        key=lambda r: (-r["trips"], r["origin_zone_id"], r["dest_zone_id"]),
    )[:n]
    labels = [f"{r['origin_name']} → {r['dest_name']}" for r in flows][::-1]
    ax.barh(labels, [r["trips"] for r in flows][::-1], color="#3b528b")
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("トリップ数（四半期）")
    ax.set_title(f"主な移動 上位{len(flows)}組")


FIGURES = {
    "map_footfall_city": (footfall_map, {}, (8, 6)),
    "map_footfall_centre": (footfall_map, {"centre": True}, (8, 6)),
    "map_flows_city": (flow_map, {}, (8, 6)),
    "map_flows_centre": (flow_map, {"centre": True}, (8, 6)),
    "trend_top_sites": (daily_trend, {}, (8, 4.5)),
    "profile_weekday_holiday": (hourly_profile, {}, (8, 4.5)),
    "dwell_distribution": (dwell_distribution, {}, (8, 4.5)),
    "top_od_pairs": (top_od, {}, (8, 5.5)),
}


def render_figures(tables: dict, layers: dict, outdir: Path) -> list[Path]:
    """Every figure as PNG (300 dpi) and SVG in outdir; returns the files written."""
    style()
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    svg = (".svg", {"metadata": {"Date": None}})
    for name, (draw, options, size) in FIGURES.items():
        written += _save(draw, tables, layers, options, size, outdir / name, ((".png", {"dpi": 300}), svg))
    (outdir / "en").mkdir(exist_ok=True)
    for name in OVERVIEW_EN:
        draw, options, size = FIGURES[name]
        written += _save(draw, tables, layers, {**options, "en": True}, size, outdir / "en" / name, (svg,))
    return written


def _save(draw, tables, layers, options, size, stem: Path, formats) -> list[Path]:
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    draw(ax, tables, layers, **options)
    # lay the figure out once for both files (savefig would do it again for each): 25 % less time
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    written = []
    for suffix, extra in formats:
        fig.savefig(stem.with_suffix(suffix), **extra)
        written.append(stem.with_suffix(suffix))
    plt.close(fig)
    return written
