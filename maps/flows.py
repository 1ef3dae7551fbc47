"""flows.html: OD flows as tapered arrows, drawn in the browser from one compact table.

Each published pair is one row of numbers (origin, destination, trips, ...) and each site one
name and position, instead of a Leaflet object per line with its options and tooltip spelled out:
300 pairs cost a few kilobytes. The page draws every flow as a curved band that is widest at its
origin and narrows to an arrow head at its destination, in screen pixels (recomputed on zoom), so
direction reads at zoom 11 as at 16; widths and colours are in the legend.
"""

from __future__ import annotations

import folium
import pyarrow as pa

FLOW_COLOURS = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"]  # viridis, few to many
TOP_DEFAULT = 30
MAX_WIDTH_PX = 16  # the busiest pair at its origin


def flow_data(od_flows: pa.Table) -> dict:
    """Sites and published flows as compact arrays, busiest last (drawn on top)."""
    flows = [r for r in od_flows.to_pylist() if not r["suppressed"]]
    flows.sort(key=lambda r: (r["trips"], r["origin_zone_id"], r["dest_zone_id"]))
    sites: dict[str, list] = {}
    for r in flows:
        for end in ("origin", "dest"):
            sites.setdefault(
                r[f"{end}_zone_id"], [r[f"{end}_name"], round(r[f"{end}_lat"], 5), round(r[f"{end}_lon"], 5)]
            )
    ids = {zone: i for i, zone in enumerate(sorted(sites))}
    rows = [
        [
            ids[r["origin_zone_id"]],
            ids[r["dest_zone_id"]],
            r["trips"],
            r["device_days"],
            r["median_travel_min"],
        ]
        for r in flows
    ]
    return {
        "sites": [sites[z] for z in sorted(sites)],
        "flows": rows,
        "colours": FLOW_COLOURS,
        "top": max((r["trips"] for r in flows), default=1),
        "max_width": MAX_WIDTH_PX,
        "classes": classes([r["trips"] for r in flows[-TOP_DEFAULT:]]),
    }


def classes(trips: list[int]) -> list[tuple[str, str, str]]:
    """The legend's colour classes (colour, fewest, most trips) of the flows shown, by quantile:
    the page opens on the top 30 and recolours itself (flow_control.html) whenever its filters
    change, so the pairs on screen always spread over every colour, not only the darkest."""
    bands: list[list[int]] = [[] for _ in FLOW_COLOURS]
    for rank, n in enumerate(sorted(trips)):
        bands[rank * len(FLOW_COLOURS) // len(trips)].append(n)
    return [(c, f"{b[0]:,}", f"{b[-1]:,}") for c, b in zip(FLOW_COLOURS, bands) if b]


def add_flows(fmap: folium.Map, od_flows: pa.Table, panel) -> dict:
    """The flow layer (drawn by flow_layer.html) and its control; returns the flow data."""
    data = flow_data(od_flows)
    panel(
        fmap,
        "flow_layer.html",
        map=fmap.get_name(),
        data={k: data[k] for k in ("sites", "flows", "colours", "top", "max_width")},
    )
    names = sorted(((i, s[0]) for i, s in enumerate(data["sites"])), key=lambda x: x[1])
    panel(
        fmap,
        "flow_control.html",
        tops=[n for n in (10, 30, 100, 300) if n < len(data["flows"])],
        top_default=TOP_DEFAULT,
        total=len(data["flows"]),
        sites=names,
    )
    return data
