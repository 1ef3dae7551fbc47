"""Folium maps of a release that open offline: Leaflet and plugins are vendored next to them.

heatmap.html: footfall heat with an hour-of-day slider, weekday and weekend/holiday layers, site
popups of the hourly profile. flows.html: OD flows as tapered arrows (maps/flows.py), width and
colour by trips, a top-N and a site filter. change.html: sites and OD pairs against earlier
releases (maps/change.py). On every map, sites are coloured by AP health (uptime, hours without
data), the offline base map (lib/basemap.js, written once) lies under the data with its own layer
control, and GSI tiles are an overlay to switch on when online: closed, the map asks the network
for nothing.
"""

from __future__ import annotations

import html
import json
import math
import re
import shutil
from pathlib import Path

import folium
import pyarrow as pa
from folium.plugins import HeatMap
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from maps import basemap, change, flows

VENDOR = Path(__file__).parent / "vendor"
LIB = "lib"
CENTER = (33.2333, 131.6400)
GSI_TILES = "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png"
GSI_ATTRIBUTION = "<a href='https://maps.gsi.go.jp/development/ichiran.html'>地理院タイル</a>"
DAY_TYPES = {"weekday": "平日", "holiday": "土日祝"}
DAY_TYPES_EN = {"weekday": "weekdays", "holiday": "weekends and holidays"}
# Colour-blind-safe sequential scales (viridis, light to dark = few to many), readable in grey too.
FLOW_COLOURS = flows.FLOW_COLOURS
HEAT_GRADIENT = {0.15: "#fde725", 0.4: "#5ec962", 0.6: "#21918c", 0.8: "#3b528b", 1.0: "#440154"}
# Leaflet.heat halves a point's intensity for every zoom level below its maxZoom (18): its `max`
# is scaled per zoom (heat_control.html) so that from this zoom on, the lowest a planner uses,
# weight 1.0 (the busiest site-hour) is the darkest colour of the legend. (Not maxZoom itself: the
# layer control would disable the heat layers above it.)
HEAT_FULL_ZOOM = 11
TOP_DEFAULT = flows.TOP_DEFAULT
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    keep_trailing_newline=True,
)
# JSON in a <script>: made inert by script_json itself (no '<', '>', '&'), so not HTML-escaped again
TEMPLATES.filters["script_json"] = lambda value: Markup(basemap.script_json(value))
TEMPLATES.filters["js"] = lambda value: Markup(e(value))
TEMPLATES.filters["devices"] = lambda value: _fmt(value)


def e(text) -> str:
    """Escaped for HTML and for folium's JavaScript template literals (backtick, ${...})."""
    return html.escape(str(text)).replace("`", "&#96;").replace("$", "&#36;")


def _fragments():
    """The macros of templates/fragments.html: head, popups, tooltips, the health legend."""
    return TEMPLATES.get_template("fragments.html").module


def _panel(fmap: folium.Map, template: str, **values) -> None:
    """A Jinja2 template (autoescaped: every registry or data value is inert) added to the page."""
    values.setdefault("base_extra", getattr(fmap, "ff_base_extra", []))
    fmap.get_root().html.add_child(folium.Element(TEMPLATES.get_template(template).render(**values)))


def _base_map(title: str, layers: dict | None = None) -> folium.Map:
    fmap = folium.Map(location=CENTER, zoom_start=12, tiles=None, control_scale=True)
    # Vendored assets only: folium's defaults point at CDNs, which a closed network cannot reach.
    fmap.default_js = [("leaflet", f"{LIB}/leaflet.js"), ("jquery", f"{LIB}/jquery.min.js")]
    fmap.default_css = [("leaflet_css", f"{LIB}/leaflet.css")]
    folium.TileLayer(
        GSI_TILES,
        attr=GSI_ATTRIBUTION,
        name=str(_fragments().both("地理院タイル（オンライン時）", "GSI tiles (when online)")),
        max_zoom=18,
        overlay=True,
        show=False,
    ).add_to(fmap)
    fmap.get_root().header.add_child(folium.Element(str(_fragments().head(title, LIB))))
    layers = layers or basemap.load()
    # the legend names the optional layers the release draws (a city's own districts, roads ...)
    fmap.ff_base_extra = [
        basemap.LAYERS[kind][:2]
        for kind in ("districts", "rivers", "roads")
        if layers.get(kind, basemap.EMPTY)["features"]
    ]
    _panel(
        fmap,
        "basemap.html",
        map=fmap.get_name(),
        credits=" | ".join(html.escape(c) for c in basemap.credits(layers)),
        order=list(basemap.LAYERS),
        labels={kind: spec[:2] for kind, spec in basemap.LAYERS.items()},
    )
    return fmap


def _fit(fmap: folium.Map, sites: pa.Table) -> None:
    lats, lons = sites.column("lat").to_pylist(), sites.column("lon").to_pylist()
    fmap.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))], padding=(20, 20))


def _fmt(value) -> str:
    if value is None:
        return Markup('<span lang="ja">秘匿</span><span lang="en">suppressed</span>')
    return f"{value:,.1f}"


def _site_layer(sites: pa.Table, profile: pa.Table, fill: float = 0.6) -> folium.FeatureGroup:
    """Every site as a circle, so the map reads even with no tiles (no network); on the heat map
    nearly hollow (fill), so the heat under it shows."""
    by_site: dict[str, dict[int, dict]] = {}
    for r in profile.to_pylist():
        hours = by_site.setdefault(r["site_id"], {})
        hours.setdefault(r["hour_local"], {"hour_local": r["hour_local"]})[r["day_type"]] = r["mean_devices"]
    group = folium.FeatureGroup(
        name=str(_fragments().both("地点（アクセスポイント設置場所）", "sites (access points)"))
    )
    for s in sites.to_pylist():
        hours = [by_site.get(s["site_id"], {}).get(h, {"hour_local": h}) for h in range(24)]
        rows = [
            {"hour_local": h["hour_local"], "weekday": h.get("weekday"), "holiday": h.get("holiday")}
            for h in hours
            if len(h) > 1
        ]
        mean = s["mean_daily_devices"]
        health = _fragments().site_health(s)
        colour, dash = _health_style(s)
        folium.CircleMarker(
            (s["lat"], s["lon"]),
            radius=4 + (math.sqrt(mean) / 3 if mean else 0),
            color=colour,
            weight=2 if dash else 1,
            dash_array=dash,
            fill=True,
            fill_color=colour,
            fill_opacity=fill,
            tooltip=str(_fragments().site_tooltip(s, health)),
            popup=folium.Popup(str(_fragments().profile_popup(s["site_name"], rows) + health), max_width=320),
        ).add_to(group)
    return group


def _health_style(site: dict) -> tuple[str, str | None]:
    """Blue: APs fine; orange: hours without data; grey dashed: APs often silent (<95 % uptime)."""
    if site["ap_uptime"] is None:  # not published (sensitive site, or a DP release)
        return "#1f4e79", None
    if site["ap_uptime"] < 0.95:
        return "#888888", "4 3"
    if site["no_data_hours"]:
        return "#e08a00", None
    return "#1f4e79", None


def _heat_points(profile: pa.Table) -> dict:
    """Per day type: the all-day points and 24 hourly point lists, weights relative to the
    busiest site-hour of that day type (so the slider compares hours honestly)."""
    out = {}
    rows = profile.to_pylist()
    for key in DAY_TYPES:
        hourly: dict[int, dict] = {h: {} for h in range(24)}
        for r in rows:
            if r["day_type"] == key and r["mean_devices"] is not None:
                hourly[r["hour_local"]][(r["lat"], r["lon"])] = r["mean_devices"]
        top = max((w for h in hourly.values() for w in h.values()), default=1.0)
        total: dict[tuple, float] = {}
        for weights in hourly.values():
            for point, w in weights.items():
                total[point] = total.get(point, 0) + w
        top_total = max(total.values(), default=1.0)
        out[key] = {
            "all": [[lat, lon, round(w / top_total, 4)] for (lat, lon), w in sorted(total.items())],
            "hours": [
                [[lat, lon, round(w / top, 4)] for (lat, lon), w in sorted(hourly[h].items())]
                for h in range(24)
            ],
        }
    return out


def heatmap(tables: dict[str, pa.Table], title: str, k: int, layers: dict | None = None) -> folium.Map:
    """Footfall heat by day type with an hour slider, weighted by mean devices present."""
    fmap = _base_map(f"{title} 人流ヒートマップ", layers)
    profile = tables["footfall_profile"]
    points = _heat_points(profile)
    layers = {}
    for key, label in DAY_TYPES.items():
        layer = HeatMap(
            points[key]["all"],
            name=str(_fragments().both(f"ヒートマップ（{label}）", f"heat ({DAY_TYPES_EN[key]})")),
            radius=28,
            blur=22,
            min_opacity=0.3,
            show=key == "weekday",
            gradient={str(k_): v for k_, v in HEAT_GRADIENT.items()},
        )
        layer.default_js = [("leaflet-heat.js", f"{LIB}/leaflet-heat.js")]
        layer.add_to(fmap)
        layers[key] = layer.get_name()
    _site_layer(tables["sites"], profile, fill=0.05).add_to(fmap)
    _fit(fmap, tables["sites"])
    folium.LayerControl(collapsed=False).add_to(fmap)
    _panel(
        fmap, "heat_control.html", points=points, layers=layers, map=fmap.get_name(), full_zoom=HEAT_FULL_ZOOM
    )
    top = max((v for v in profile.column("mean_devices").to_pylist() if v is not None), default=0.0)
    _panel(
        fmap,
        "heat_legend.html",
        title=title,
        k=k,
        top=f"{top:,.0f}",
        health=_fragments().health_legend(),
        stops=sorted(HEAT_GRADIENT.items()),
        labels=["0", f"{top / 2:,.0f}", f"{top:,.0f}"],
    )
    return fmap


def flowmap(tables: dict[str, pa.Table], title: str, k: int, layers: dict | None = None) -> folium.Map:
    """OD flows of the published (unsuppressed) pairs as tapered arrows, widest and darkest for
    the most trips (maps/flows.py draws them)."""
    fmap = _base_map(f"{title} 人流（OD）フローマップ", layers)
    _site_layer(tables["sites"], tables["footfall_profile"]).add_to(fmap)
    _fit(fmap, tables["sites"])
    folium.LayerControl(collapsed=False).add_to(fmap)
    data = flows.add_flows(fmap, tables["od_flows"], _panel)
    _panel(
        fmap,
        "flow_legend.html",
        title=title,
        k=k,
        health=_fragments().health_legend(),
        classes=data["classes"],
    )
    return fmap


def changemap(
    tables: dict[str, pa.Table], title: str, k: int, layers: dict | None = None, before: dict | None = None
) -> folium.Map:
    """Devices a day per site against the previous quarter and last year (diverging PuOr)."""
    fmap = _base_map(f"{title} 前期比・前年同期比", layers)
    shown = change.add_layers(fmap, tables["sites"], before or {}, _fragments())
    od_shown = change.add_od_layers(fmap, tables["od_flows"], before or {}, _fragments())
    _fit(fmap, tables["sites"])
    folium.LayerControl(collapsed=False).add_to(fmap)
    bounds = [-0.5, -0.2, -0.05, 0.05, 0.2, 0.5]
    labels = (
        [_fragments().both(f"{bounds[0]:+.0%} 未満", f"under {bounds[0]:+.0%}")]
        + [f"{a:+.0%} 〜 {b:+.0%}" for a, b in zip(bounds, bounds[1:])]
        + [_fragments().both(f"{bounds[-1]:+.0%} 以上", f"{bounds[-1]:+.0%} or more")]
    )
    _panel(
        fmap,
        "change_legend.html",
        title=title,
        k=k,
        comparisons=shown,
        od=od_shown,
        stops=list(zip(labels, [c for _, c in change.DIVERGING])),
    )
    return fmap


def _deterministic(html: str) -> str:
    """Folium names elements with random hex ids; number them in order of appearance instead."""
    names: dict[str, str] = {}
    return re.sub(
        r"(?<=_)[0-9a-f]{32}(?![0-9a-f])", lambda m: names.setdefault(m.group(0), f"e{len(names):05d}"), html
    )


def render_maps(
    tables: dict[str, pa.Table],
    outdir: Path,
    title: str,
    k: int,
    basemap_dir: Path | None = None,
    before: dict | None = None,
) -> dict[str, Path]:
    """Write heatmap.html and flows.html with their vendored libraries and the offline base map
    (the city's own layers from basemap_dir where given) into outdir."""
    layers = basemap.load(basemap_dir)
    lib = outdir / LIB
    lib.mkdir(parents=True, exist_ok=True)
    for asset in sorted(VENDOR.iterdir()):
        shutil.copyfile(asset, lib / asset.name)
    drawn = {name: layer for name, layer in layers.items() if layer["features"]}
    # one copy of the base map for the three pages (a script: file:// pages cannot fetch JSON) ...
    (lib / "basemap.js").write_text(f"window.ffBaseLayers={basemap.script_json(drawn)};\n", encoding="utf-8")
    for name, layer in drawn.items():  # ... and each layer as a file a GIS opens, with its sources
        (lib / f"basemap-{name}.geojson").write_text(
            json.dumps(layer, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
    (lib / "basemap-SOURCES.md").write_text(basemap.sources_md(basemap_dir), encoding="utf-8")
    out = {}
    builds = {"heatmap": heatmap, "flows": flowmap, "change": lambda *args: changemap(*args, before=before)}
    for name, build in builds.items():
        path = outdir / f"{name}.html"
        page = build(tables, title, k, layers).get_root().render()
        path.write_text(_deterministic(page), encoding="utf-8")
        out[name] = path
    return out
