"""change.html: how each site's devices a day moved against the previous quarter and the same
quarter last year, on a diverging colour-blind-safe scale (PuOr); a site hidden in either release
is drawn as such (grey ring), never as "no change"."""

from __future__ import annotations

from pathlib import Path

import folium
import pyarrow as pa
import pyarrow.parquet as pq

# PuOr: orange = fewer, purple = more; both ends stay apart for red-green colour-blind readers.
DIVERGING = [
    (-0.5, "#b35806"),
    (-0.2, "#f1a340"),
    (-0.05, "#fee0b6"),
    (0.05, "#f7f7f7"),
    (0.2, "#d8daeb"),
    (0.5, "#998ec3"),
    (float("inf"), "#542788"),
]
COMPARISONS = {
    "previous": ("前四半期比", "vs previous quarter"),
    "last_year": ("前年同期比", "vs same quarter last year"),
}


def previous_sites(published: Path, quarter) -> dict[str, pa.Table | None]:
    """The sites (key) and OD flows (key_od) of the previous quarter's and last year's releases,
    where published."""
    from pipeline.calendar import FiscalQuarter

    before = {
        "previous": FiscalQuarter(quarter.year - (quarter.quarter == 1), (quarter.quarter - 2) % 4 + 1),
        "last_year": FiscalQuarter(quarter.year - 1, quarter.quarter),
    }
    out = {}
    for key, fq in before.items():
        for table, name in (("sites", key), ("od_flows", f"{key}_od")):
            path = published / str(fq) / "tables" / f"{table}.parquet"
            out[name] = pq.read_table(path) if path.exists() else None
    return out


def colour(change: float) -> str:
    """The diverging colour of a relative change (-0.3 = 30 % fewer devices a day)."""
    return next(c for bound, c in DIVERGING if change < bound)


def _changes(now: pa.Table, before: pa.Table) -> list[dict]:
    old = {s["site_id"]: s["mean_daily_devices"] for s in before.to_pylist()}
    rows = []
    for s in now.to_pylist():
        a, b = s["mean_daily_devices"], old.get(s["site_id"])
        change = None if a is None or not b else (a - b) / b
        rows.append({**s, "before": b, "change": change})
    return rows


def add_layers(fmap: folium.Map, now: pa.Table, before: dict[str, pa.Table | None], fragments) -> list:
    """One layer per comparison with a release to compare with; returns (key, ja, en, counts).

    fragments: the macros of templates/fragments.html (maps.render), which escape every name."""
    shown = []
    for key, (ja, en) in COMPARISONS.items():
        if before.get(key) is None:
            continue
        group = folium.FeatureGroup(name=str(fragments.both(ja, en)), show=not shown)
        counts = {"up": 0, "down": 0, "hidden": 0}
        for r in _changes(now, before[key]):
            if r["change"] is None:
                counts["hidden"] += 1
                folium.CircleMarker(
                    (r["lat"], r["lon"]),
                    radius=6,
                    color="#888",
                    weight=1.5,
                    dash_array="3 2",
                    fill=False,
                    class_name=f"ff-change-hidden ff-{key}",
                    tooltip=str(fragments.change_hidden_tooltip(r)),
                ).add_to(group)
                continue
            counts["up" if r["change"] >= 0 else "down"] += 1
            folium.CircleMarker(
                (r["lat"], r["lon"]),
                radius=5 + min(abs(r["change"]), 1) * 10,
                color="#333",
                weight=1,
                fill=True,
                fill_color=colour(r["change"]),
                fill_opacity=0.9,
                class_name=f"ff-change-{'up' if r['change'] >= 0 else 'down'} ff-{key}",
                tooltip=str(fragments.change_tooltip(r, fragments.both(ja, en))),
            ).add_to(group)
        group.add_to(fmap)
        shown.append((key, ja, en, counts))
    return shown


OD_SHOWN = 30  # the pairs whose trips changed most (either way) among those published in both


def add_od_layers(fmap: folium.Map, now: pa.Table, before: dict, fragments) -> list:
    """Per comparison, the OD pairs published in both quarters whose trips changed most, as
    straight lines in the diverging colours (off until picked); returns (ja, drawn, hidden).

    fragments: the macros of templates/fragments.html (maps.render), which escape every name."""
    shown = []
    current = {(r["origin_zone_id"], r["dest_zone_id"]): r for r in now.to_pylist() if not r["suppressed"]}
    for key, (ja, en) in COMPARISONS.items():
        if before.get(f"{key}_od") is None:
            continue
        old = {
            (r["origin_zone_id"], r["dest_zone_id"]): r["trips"]
            for r in before[f"{key}_od"].to_pylist()
            if not r["suppressed"]
        }
        both = [(pair, r, old[pair]) for pair, r in current.items() if old.get(pair)]
        both.sort(key=lambda x: (-abs(x[1]["trips"] - x[2]), x[0]))
        group = folium.FeatureGroup(
            name=str(fragments.both(f"移動（OD）の{ja}", f"OD trips: {en}")), show=False
        )
        for _, r, was in both[:OD_SHOWN]:
            change = (r["trips"] - was) / was
            folium.PolyLine(
                [(r["origin_lat"], r["origin_lon"]), (r["dest_lat"], r["dest_lon"])],
                color=colour(change),
                weight=3 + min(abs(change), 1) * 5,
                opacity=0.9,
                class_name=f"ff-odchange ff-{key}",
                tooltip=str(fragments.od_change_tooltip(r, fragments.both(ja, en), change, was)),
            ).add_to(group)
        group.add_to(fmap)
        shown.append((ja, min(len(both), OD_SHOWN), len(current) - len(both)))
    return shown
