"""The offline base map: small vector layers (city boundary, stations) drawn under the data.

The vendored layers live in maps/basemap/ (their sources and licences in SOURCES.md). A city replaces
any of them with its own GIS export (GeoJSON, GeoPackage or Shapefile, any CRS) with
`footfall basemap LAYER FILE`: the file is validated, reprojected to WGS 84, clipped of empty
geometries, simplified until it fits its share of the size budget, and written under
<FOOTFALL_HOME>/basemap/, where every later release takes it from.
"""

from __future__ import annotations

import json
from pathlib import Path

VENDORED = Path(__file__).parent / "basemap"
LAYERS = {
    # layer -> (the property holding the name shown, 日本語, English, geometry kinds accepted)
    "city": ("name", "市域", "city boundary", {"Polygon", "MultiPolygon"}),
    "stations": ("name", "鉄道駅", "railway stations", {"Point", "MultiPoint"}),
}
LAYER_BUDGET = 1_500_000  # bytes per layer: the whole release stays well under 10 MB
NAME_FIELDS = ("name", "名称", "N03_004", "N02_005", "NAME", "Name", "S_NAME", "MOJI")


class BasemapError(ValueError):
    """A replacement layer that cannot be used: the message says which file and what to do."""


def load(override: Path | None = None) -> dict[str, dict]:
    """The layers to draw: the city's own (under override) where present, else the vendored ones."""
    out = {}
    for layer in LAYERS:
        own = override / f"{layer}.geojson" if override else None
        path = own if own and own.exists() else VENDORED / f"{layer}.geojson"
        out[layer] = json.loads(path.read_text(encoding="utf-8"))
    return out


def script_json(value) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' can close it or open a tag."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _name_field(columns: list[str]) -> str | None:
    return next((c for c in NAME_FIELDS if c in columns), None)


def _read(source: Path, layer: str):
    import geopandas as gpd

    if layer not in LAYERS:
        raise BasemapError(f"unknown layer {layer!r}: choose one of {', '.join(LAYERS)}")
    if not source.exists():
        raise BasemapError(f"{source}: no such file")
    try:
        frame = gpd.read_file(source)
    except Exception as exc:  # pyogrio raises its own types for every malformed format
        raise BasemapError(
            f"{source}: not a readable GeoJSON, GeoPackage or Shapefile "
            f"({type(exc).__name__}); export it again from the GIS"
        ) from exc
    if frame.crs is None:
        raise BasemapError(
            f"{source}: the file has no coordinate reference system; export it with "
            "its CRS (a .prj beside a Shapefile)"
        )
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    kinds = set(frame.geometry.geom_type)
    allowed = LAYERS[layer][3]
    if frame.empty or not kinds <= allowed:
        raise BasemapError(
            f"{source}: layer {layer} needs {' or '.join(sorted(allowed))} features, "
            f"the file has {', '.join(sorted(kinds)) or 'none'}"
        )
    return frame.to_crs(4326)


def import_layer(layer: str, source: Path, outdir: Path, budget: int = LAYER_BUDGET) -> dict:
    """Validate a city's GIS export and write it as the layer every later release draws."""
    import geopandas as gpd

    frame = _read(Path(source), layer)
    field = _name_field(list(frame.columns))
    names = frame[field].astype(str) if field else [""] * len(frame)
    frame = gpd.GeoDataFrame({"name": list(names)}, geometry=frame.geometry.make_valid(), crs=4326)
    tolerance, data = 0.0, b""
    for _ in range(12):
        simplified = frame.copy()
        if tolerance:
            simplified["geometry"] = simplified.geometry.simplify(tolerance, preserve_topology=True)
        data = simplified.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")
        if len(data) <= budget:
            break
        tolerance = tolerance * 2 if tolerance else 0.00005  # about 5 m, doubling
    else:
        raise BasemapError(
            f"{source}: still {len(data):,} bytes after simplifying to "
            f"{tolerance:g} degrees; keep fewer features (budget {budget:,} bytes)"
        )
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / f"{layer}.geojson").write_bytes(data)
    return {
        "layer": layer,
        "features": len(frame),
        "bytes": len(data),
        "tolerance_deg": tolerance,
        "name_field": field,
    }
