"""How the vendored layers were made from their public sources (SOURCES.md names each).

Run by hand, never by the pipeline (nothing downloads at run time):

    python -m maps.derive_basemap TOPOGRAPHY STATION_DB

TOPOGRAPHY: a checkout of smartnews-smri/japan-topography; STATION_DB: a checkout of
Seo-4d696b75/station_database. Writes coast.geojson, railways.geojson and stations.geojson
in maps/basemap/; city.geojson is the city's feature of the same N03 file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent / "basemap"
CITY_CODE = "44201"  # 大分市
N03 = "data/municipality/geojson/s0010/N03-21_44_210101.json"
LINES = {11906: "JR日豊本線", 11913: "JR久大本線", 11923: "JR豊肥本線"}
SHARED_BORDER_M = 150  # an edge of the city this close to a neighbour is a land border, not shore


def _round(geometry, digits: int = 5):
    from shapely import set_precision

    return set_precision(geometry, 10**-digits)


def _write(name: str, features: list[dict]) -> int:
    text = json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":")
    )
    (HERE / f"{name}.geojson").write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


def coast(topography: Path) -> int:
    """The city's shore: its N03 outline less every stretch it shares with a neighbour."""
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    features = json.loads((topography / N03).read_text(encoding="utf-8"))["features"]
    city = unary_union([shape(f["geometry"]) for f in features if f["properties"]["N03_007"] == CITY_CODE])
    others = unary_union([shape(f["geometry"]) for f in features if f["properties"]["N03_007"] != CITY_CODE])
    near = others.buffer(SHARED_BORDER_M / 111_000)
    shore = _round(city.boundary.difference(near).simplify(0.0002))
    return _write(
        "coast", [{"type": "Feature", "properties": {"name": "海岸線"}, "geometry": mapping(shore)}]
    )


def railways_and_stations(station_db: Path) -> tuple[int, int]:
    """JR lines clipped to the city (N02 polylines) and the stations on them inside it."""
    from shapely.geometry import Point, mapping, shape
    from shapely.ops import linemerge, unary_union

    city = shape(json.loads((HERE / "city.geojson").read_text(encoding="utf-8"))["features"][0]["geometry"])
    area = city.buffer(0.002)
    rails, stations = [], {}
    for code, name in LINES.items():
        poly = json.loads((station_db / f"out/main/polyline/{code}.json").read_text(encoding="utf-8"))
        line = unary_union([shape(f["geometry"]) for f in poly["features"]])
        line = linemerge(line) if line.geom_type == "MultiLineString" else line
        inside = _round(line.intersection(area).simplify(0.0001))
        rails.append({"type": "Feature", "properties": {"name": name}, "geometry": mapping(inside)})
        stops = json.loads((station_db / f"out/main/line/{code}.json").read_text(encoding="utf-8"))
        for s in stops["station_list"]:
            if not s["closed"] and city.contains(Point(s["lng"], s["lat"])):
                entry = stations.setdefault(
                    s["original_name"], {"lat": s["lat"], "lng": s["lng"], "lines": []}
                )
                entry["lines"].append(name.removeprefix("JR"))
    points = [
        {
            "type": "Feature",
            "properties": {"name": f"{n}駅", "lines": "・".join(s["lines"])},
            "geometry": {"type": "Point", "coordinates": [round(s["lng"], 5), round(s["lat"], 5)]},
        }
        for n, s in sorted(stations.items(), key=lambda kv: kv[1]["lng"])
    ]
    return _write("railways", rails), _write("stations", points)


if __name__ == "__main__":
    print("coast", coast(Path(sys.argv[1])))
    print("railways, stations", railways_and_stations(Path(sys.argv[2])))
