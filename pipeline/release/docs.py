"""The words of a release: the overview page (index.html, Japanese with an English switch) and
README.md (Japanese first, English beside it). Headline figures come from published cells only."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pipeline.calendar import FiscalQuarter

# Texts of the package that are not HTML pages (HTML would be escaped: the maps' TEMPLATES)
_TEXTS = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def headline(tables: dict[str, pa.Table], quarter: FiscalQuarter, coverage: dict) -> dict:
    """The quarter's figures for the overview, from what the tables publish (never hidden cells)."""
    sites = [s for s in tables["sites"].to_pylist() if s["device_days"] is not None]
    flows = [f for f in tables["od_flows"].to_pylist() if not f["suppressed"]]
    top_sites = sorted(sites, key=lambda s: (-s["device_days"], s["site_id"]))[:5]
    top_flows = sorted(flows, key=lambda f: (-f["trips"], f["origin_zone_id"], f["dest_zone_id"]))[:5]
    return {
        "device_days": sum(s["device_days"] for s in sites),
        "trips": sum(f["trips"] for f in flows),
        "sites_published": len(sites),
        "top_sites": [[s["site_name"], s["mean_daily_devices"]] for s in top_sites],
        "top_flows": [[f["origin_name"], f["dest_name"], f["trips"]] for f in top_flows],
        **coverage,
    }


def _change(now, before) -> str:
    if not before or not now:
        return "—"
    return f"{(now - before) / before:+.1%}"


def index_html(
    quarter: FiscalQuarter, figures: dict, previous: dict, last_year: dict, files: list[str], k: int
) -> str:
    """The overview page (a Jinja2 template with autoescape): headline, coverage, comparisons, the
    trend and profile charts inline, links; works offline, no scripts fetched."""
    from maps.render import TEMPLATES

    compare = [
        (
            ja,
            en,
            f"{figures[key]:,}",
            _change(figures[key], previous.get(key)),
            _change(figures[key], last_year.get(key)),
        )
        for key, ja, en in (
            ("device_days", "地点別の延べ端末数", "device-days over sites"),
            ("trips", "地点間の移動（トリップ）", "trips between sites"),
        )
    ]
    shares = [
        (ja, en, None if figures[key] is None else f"{figures[key]:.1%}")
        for key, ja, en in (
            ("ap_uptime", "AP稼働日率", "AP-days with logs"),
            ("quarantine_rate", "隔離率", "quarantine rate"),
        )
    ]
    charts = [
        (f"figures/{name}.svg", f"figures/en/{name}.svg", ja, en)
        for name, ja, en in CHARTS
        if f"figures/{name}.png" in files
    ]
    return TEMPLATES.get_template("index.html").render(
        quarter=str(quarter),
        first_day=quarter.first_day,
        last_day=quarter.last_day,
        k=k,
        compare=compare,
        shares=shares,
        charts=charts,
        days=figures["days"],
        days_with_data=figures["days_with_data"],
        top_sites=[(name, f"{mean:,.1f}") for name, mean in figures["top_sites"]],
        top_flows=[(a, b, f"{n:,}") for a, b, n in figures["top_flows"]],
        links=files,
    )


CHARTS = [
    ("trend_top_sites", "日別端末数（上位地点）", "devices a day at the busiest sites"),
    ("profile_weekday_holiday", "時間帯別の端末数（平日・土日祝）", "devices by hour, weekday and holiday"),
]


def readme(quarter: FiscalQuarter, figures: dict, k: int) -> str:
    """README.md of the package (templates/README.md): Japanese first, English beside it."""
    return _TEXTS.get_template("README.md").render(
        quarter=str(quarter),
        first_day=quarter.first_day,
        last_day=quarter.last_day,
        days_with_data=figures["days_with_data"],
        days=figures["days"],
        k=k,
    )
