"""What a printed map needs besides its data: a scale bar, a north arrow, names of the busiest
sites and the base map's credit (maps/figures.py draws the maps, this their furniture)."""

from __future__ import annotations

import math

from maps.basemap import credits

METRES_PER_DEGREE = 111_320  # of latitude; of longitude times cos(latitude)
CENTRE_PAD = 0.003  # degrees (about 300 m) around the centre box, so no marker is cut at its edge


def padded(extent: tuple[float, float, float, float], pad: float = CENTRE_PAD) -> tuple:
    """The extent (lon0, lon1, lat0, lat1) grown by pad degrees on every side."""
    lon0, lon1, lat0, lat1 = extent
    return lon0 - pad, lon1 + pad, lat0 - pad, lat1 + pad


def clear_of(extent: tuple, points: list[tuple[float, float]], margin: float = 0.0012) -> tuple:
    """The extent grown, edge by edge, until no point (lon, lat) lies within margin degrees of an
    edge: a marker is then whole or not drawn, never cut in half at the frame."""
    lon0, lon1, lat0, lat1 = extent
    for _ in range(20):
        near = lambda value, edge: abs(value - edge) < margin  # noqa: E731
        inside = [
            (x, y)
            for x, y in points
            if lon0 - margin < x < lon1 + margin and lat0 - margin < y < lat1 + margin
        ]
        moved = (
            any(near(x, lon0) for x, _ in inside),
            any(near(x, lon1) for x, _ in inside),
            any(near(y, lat0) for _, y in inside),
            any(near(y, lat1) for _, y in inside),
        )
        if not any(moved):
            break
        lon0, lon1 = lon0 - margin * moved[0], lon1 + margin * moved[1]
        lat0, lat1 = lat0 - margin * moved[2], lat1 + margin * moved[3]
    return lon0, lon1, lat0, lat1


def _nice_length(metres: float) -> int:
    """The largest 1, 2 or 5 x 10^n metres not over metres."""
    power = 10 ** math.floor(math.log10(metres))
    return int(max(step * power for step in (1, 2, 5) if step * power <= metres))


def scale_bar(ax, extent) -> str:
    """A scale bar of about a fifth of the width at the bottom left; returns its label."""
    lon0, lon1, lat0, lat1 = extent
    per_degree = METRES_PER_DEGREE * math.cos(math.radians((lat0 + lat1) / 2))
    metres = _nice_length((lon1 - lon0) * per_degree / 5)
    label = f"{metres // 1000} km" if metres >= 1000 else f"{metres} m"
    x, y = lon0 + (lon1 - lon0) * 0.04, lat0 + (lat1 - lat0) * 0.05
    ax.plot(
        [x, x + metres / per_degree], [y, y], color="black", linewidth=2.5, solid_capstyle="butt", zorder=8
    )
    ax.text(x, y + (lat1 - lat0) * 0.015, label, fontsize=7, va="bottom", zorder=8)
    return label


def north_arrow(ax) -> None:
    """An arrow and N at the top right (the maps are drawn north up)."""
    ax.annotate(
        "N",
        xy=(0.96, 0.97),
        xytext=(0.96, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="top",
        fontsize=8,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2},
        zorder=8,
    )


def label_sites(ax, sites: list[dict], extent, n: int = 8) -> list[str]:
    """Names of the n busiest published sites inside the extent, none touching another (their
    drawn boxes, measured, with a margin): a busier site's label nearby wins. Returns them."""
    lon0, lon1, lat0, lat1 = extent
    inside = [
        s
        for s in sites
        if s["mean_daily_devices"] is not None and lon0 <= s["lon"] <= lon1 and lat0 <= s["lat"] <= lat1
    ]
    renderer = ax.figure.canvas.get_renderer()
    top: list[dict] = []
    boxes: list = []
    for s in sorted(inside, key=lambda s: (-s["mean_daily_devices"], s["site_id"])):
        if len(top) == n:
            break
        label = ax.annotate(
            s["site_name"],
            (s["lon"], s["lat"]),
            xytext=(5, -9),
            textcoords="offset points",
            fontsize=6.5,
            color="#1f1f1f",
            zorder=7,
            bbox={"facecolor": "white", "alpha": 0.75, "linewidth": 0, "pad": 1},
            parse_math=False,  # a name is text, never TeX (a "$" in it)
        )
        box = label.get_window_extent(renderer).expanded(1.06, 1.3)
        if any(box.overlaps(other) for other in boxes):
            label.remove()
            continue
        top.append(s)
        boxes.append(box)
    return [s["site_name"] for s in top]


def credit(ax, layers: dict) -> None:
    """The base map's credit (its licences ask for it) in small print at the map's bottom right."""
    lines = credits(layers)
    if lines:
        ax.text(
            0.995,
            0.005,
            "背景：" + "\n".join(lines),
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=4.5,
            color="#333",
            zorder=7,
            bbox={"facecolor": "white", "alpha": 0.7, "linewidth": 0},
            parse_math=False,  # a city's --source text may hold a "$"
        )
