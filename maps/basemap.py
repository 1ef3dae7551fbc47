"""The offline base map: small vector layers drawn under the data of every map.

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
AREAS, LINES, POINTS = {"Polygon", "MultiPolygon"}, {"LineString", "MultiLineString"}, {"Point", "MultiPoint"}
LAYERS = {
    # layer -> (日本語, English, geometry kinds accepted), in drawing order (bottom first)
    "city": ("市域", "city boundary", AREAS),
    "districts": ("町丁・地区", "districts", AREAS),
    "coast": ("海岸線", "coastline", LINES),
    "rivers": ("河川", "rivers", LINES | AREAS),
    "roads": ("主要道路", "main roads", LINES),
    "railways": ("鉄道", "railway lines", LINES),
    "stations": ("鉄道駅", "railway stations", POINTS),
}
# Bytes per layer. Each layer is in a release twice (lib/basemap.js for the maps, a .geojson for a
# GIS), so seven full layers stay under 3 MB and the whole release well under 10 MB.
LAYER_BUDGET = 200_000
NAME_FIELDS = (
    "name",
    "名称",
    "N03_004",
    "N02_005",
    "N02_003",
    "W05_004",
    "N01_003",
    "S_NAME",
    "MOJI",
    "NAME",
    "Name",
    "name:ja",
)
EMPTY = {"type": "FeatureCollection", "features": []}
# The credit each vendored layer's licence asks for (SOURCES.md), shown on every map and figure.
N03 = "国土数値情報（行政区域データ）（国土交通省）を加工して作成"
N02 = "国土数値情報（鉄道データ）（国土交通省）を加工して作成"
STATION_DB = "station_database © Seo-4d696b75 (CC BY 4.0)"
CREDITS = {"city": (N03,), "coast": (N03,), "railways": (N02, STATION_DB), "stations": (STATION_DB,)}
SOURCE_MAX = 300  # characters of a city's --source text


class BasemapError(ValueError):
    """A replacement layer that cannot be used: the message says which file and what to do."""


def load(override: Path | None = None) -> dict[str, dict]:
    """The layers to draw: the city's own (under override) where present, else the vendored ones;
    a layer neither has is an empty collection (drawn as nothing, listed as such)."""
    out = {}
    for layer in LAYERS:
        own = override / f"{layer}.geojson" if override else None
        path = own if own and own.exists() else VENDORED / f"{layer}.geojson"
        out[layer] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else dict(EMPTY)
        # a foreign member of the FeatureCollection: the credit travels with the layer
        out[layer]["credit"] = (
            list(own_source(override, layer)) if path == own else list(CREDITS.get(layer, ()))
        )
    return out


def own_layers(override: Path | None) -> list[str]:
    """The layers a city replaced with its own file (`footfall basemap`)."""
    return [layer for layer in LAYERS if override and (override / f"{layer}.geojson").exists()]


def own_source(override: Path | None, layer: str) -> tuple[str, ...]:
    """The source/licence a city gave for its layer (`--source`), or a note that it gave none."""
    path = override / f"{layer}.source.txt" if override else None
    if path and path.exists():
        return (path.read_text(encoding="utf-8").strip(),)
    return (f"{LAYERS[layer][0]}：市の提供データ（出典未記録）",)


def credits(layers: dict[str, dict]) -> list[str]:
    """The credits of the layers drawn (with features), each once, in drawing order."""
    out: list[str] = []
    for layer in layers.values():
        for credit in layer.get("credit", []) if layer.get("features") else []:
            if credit not in out:
                out.append(credit)
    return out


def sources_md(basemap_dir: Path | None) -> str:
    """SOURCES.md of the vendored layers, then each layer the city replaced with its own source."""
    text = (VENDORED / "SOURCES.md").read_text(encoding="utf-8")
    own = own_layers(basemap_dir)
    if not own:
        return text
    text += (
        "\n## Replaced by the city\n\nThese layers are the city's own (`footfall basemap`), "
        "drawn instead of the vendored ones above, with the source the city gave:\n"
    )
    for layer in own:
        text += f"\n- {layer}.geojson ({LAYERS[layer][0]}): {own_source(basemap_dir, layer)[0]}\n"
    return text


def script_json(value) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' can close it or open a tag."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _name_field(columns: list[str]) -> str | None:
    return next((c for c in NAME_FIELDS if c in columns), None)


def _read(source: Path, layer: str, encoding: str | None = None):
    from maps import shapefile

    if layer not in LAYERS:
        raise BasemapError(f"unknown layer {layer!r}: choose one of {', '.join(LAYERS)}")
    if not source.exists():
        raise BasemapError(f"{source}: no such file")
    damage = shapefile.check_complete(source)
    if damage:
        raise BasemapError(damage)
    try:
        frame, used = shapefile.read(source, NAME_FIELDS, encoding)
    except LookupError as exc:
        raise BasemapError(
            f"--encoding {encoding}: not an encoding Python knows (e.g. cp932, utf-8)"
        ) from exc
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
    allowed = LAYERS[layer][2]
    if frame.empty or not kinds <= allowed:
        raise BasemapError(
            f"{source}: layer {layer} needs {' or '.join(sorted(allowed))} features, "
            f"the file has {', '.join(sorted(kinds)) or 'none'}"
        )
    return frame.to_crs(4326), used


def _clip(frame, layer: str, outdir: Path):
    """Everything but the city itself is cut to the city (with a margin of about 1 km)."""
    if layer == "city":
        return frame
    city = load(outdir)["city"]["features"]
    if not city:
        return frame
    from shapely.geometry import shape

    mask = shape(city[0]["geometry"]).buffer(0.01)
    clipped = frame.clip(mask)
    return clipped[~clipped.geometry.is_empty]


def _encode(frame, tolerance: float) -> bytes:
    """GeoJSON of the frame simplified by tolerance (degrees), coordinates to 1e-5 (about 1 m)."""
    import shapely

    geometry = frame.geometry.simplify(tolerance, preserve_topology=True) if tolerance else frame.geometry
    frame = frame.set_geometry(shapely.set_precision(geometry.values, 1e-5))
    frame = frame[~frame.geometry.is_empty]
    return frame.to_json(drop_id=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _check_source(credit: str | None) -> str | None:
    if credit is None:
        return None
    credit = " ".join(credit.split())
    if not credit or len(credit) > SOURCE_MAX:
        raise BasemapError(f"--source: give the source and licence in 1 to {SOURCE_MAX} characters")
    return credit


def import_layer(
    layer: str,
    source: Path,
    outdir: Path,
    budget: int = LAYER_BUDGET,
    credit: str | None = None,
    encoding: str | None = None,
) -> dict:
    """Validate a city's GIS export (any CRS), reproject it to WGS 84, clip it to the city and
    simplify it to the budget; write it as the layer every later release draws, with its source
    and licence (credit) beside it for the maps' attribution and the release's SOURCES."""
    import geopandas as gpd

    credit = _check_source(credit)
    frame, used = _read(Path(source), layer, encoding)
    field = _name_field(list(frame.columns))
    names = frame[field].astype(str) if field else [""] * len(frame)
    frame = gpd.GeoDataFrame({"name": list(names)}, geometry=frame.geometry.make_valid(), crs=4326)
    frame = _clip(frame, layer, outdir)
    if frame.empty:
        raise BasemapError(
            f"{source}: no feature of the file lies in the city; is it the right "
            "area, and does its CRS say where it is?"
        )
    tolerance, data = 0.0, b""
    for _ in range(12):
        data = _encode(frame, tolerance)
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
    (outdir / f"{layer}.source.txt").unlink(missing_ok=True)  # a new file: the old credit is not its
    if credit:
        (outdir / f"{layer}.source.txt").write_text(credit + "\n", encoding="utf-8")
    return {
        "layer": layer,
        "features": len(frame),
        "bytes": len(data),
        "tolerance_deg": tolerance,
        "name_field": field,
        "encoding": used,
    }
