"""Access-point registry -> sites -> zones, read from the national 推奨データセット layout.

The file is the standard 「公衆無線LANアクセスポイント一覧」 (18 columns, standard order) with three
columns appended: AP_ID, AP名 (the name controllers log) and AP_MAC (BSSIDs separated by ';').
Rows that share 名称 are one site. By default every site is its own zone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

from pipeline.config import Settings

STANDARD_COLUMNS = [
    "都道府県コード又は市区町村コード",
    "NO",
    "都道府県名",
    "市区町村名",
    "名称",
    "名称_カナ",
    "名称_英語",
    "住所",
    "方書",
    "緯度",
    "経度",
    "設置者",
    "電話番号",
    "内線番号",
    "SSID",
    "提供エリア",
    "URL",
    "備考",
]
EXTRA_COLUMNS = ["AP_ID", "AP名", "AP_MAC"]
COLUMNS = STANDARD_COLUMNS + EXTRA_COLUMNS

# Japan's extent, generously: a coordinate outside is a typo (swapped lat/lon, missing digit).
LAT_RANGE = (20.0, 46.0)
LON_RANGE = (122.0, 154.0)
SENSITIVE_MARK = "要配慮"

AP_SCHEMA = pa.schema(
    [
        ("ap_id", pa.string()),
        ("ap_name", pa.string()),
        ("site_id", pa.string()),
        ("site_name", pa.string()),
        ("site_name_en", pa.string()),
        ("zone_id", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("sensitive", pa.bool_()),
    ]
)
AP_MAC_SCHEMA = pa.schema([("mac", pa.string()), ("ap_id", pa.string())])
SITE_SCHEMA = pa.schema(
    [
        ("site_id", pa.string()),
        ("site_name", pa.string()),
        ("site_name_en", pa.string()),
        ("zone_id", pa.string()),
        ("zone_name", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("n_aps", pa.int32()),
        ("sensitive", pa.bool_()),
    ]
)
ZONE_ID_FIELDS = ("zone_id", "id", "code", "N03_007", "KEY_CODE")
ZONE_NAME_FIELDS = ("zone_name", "name", "名称", "N03_004", "S_NAME")

_HEX12 = re.compile(r"^[0-9a-f]{12}$")


class RegistryError(ValueError):
    """The registry file cannot be used; the message names the file, row and fix."""


def canonical_mac(text: str) -> str | None:
    """12 lower-case hex digits of any common MAC spelling, or None if it is not a MAC."""
    digits = re.sub(r"[\s:.\-]", "", text).lower()
    return digits if _HEX12.match(digits) else None


@dataclass(frozen=True)
class Registry:
    """Access points, their BSSIDs and the sites they form."""

    aps: pa.Table
    ap_macs: pa.Table
    sites: pa.Table


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RegistryError(f"{path}: neither UTF-8 nor Shift_JIS (CP932); save it as UTF-8.")


def _float(value: str, name: str, where: str, bounds) -> float:
    try:
        number = float(value)
    except ValueError:
        raise RegistryError(f"{where}: {name} {value!r} is not a number.") from None
    if not bounds[0] <= number <= bounds[1]:
        raise RegistryError(f"{where}: {name} {number} lies outside Japan {bounds}; check the value.")
    return number


def _check_header(header: list[str], path: Path) -> None:
    if header[: len(COLUMNS)] != COLUMNS:
        raise RegistryError(
            f"{path}: the header must be the 18 standard columns of 推奨データセット followed by "
            f"{', '.join(EXTRA_COLUMNS)}; got {header!r}."
        )


def _parse_rows(rows: list[tuple[int, dict[str, str]]], path: Path) -> tuple[list, list]:
    aps: list = []
    macs: list = []
    seen_macs: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for line, row in rows:
        where = f"{path}, row {line}"
        ap_id, ap_name = row["AP_ID"].strip(), row["AP名"].strip()
        if not ap_id or not row["名称"].strip():
            raise RegistryError(f"{where}: AP_ID and 名称 must not be empty.")
        if ap_id in seen_ids:
            raise RegistryError(f"{where}: AP_ID {ap_id} repeats row {seen_ids[ap_id]}.")
        if ap_name and ap_name in seen_names:
            raise RegistryError(
                f"{where}: AP名 {ap_name} repeats row {seen_names[ap_name]}; "
                "controllers log it, so it must name one AP."
            )
        seen_ids[ap_id], seen_names[ap_name] = line, line
        lat = _float(row["緯度"], "緯度", where, LAT_RANGE)
        lon = _float(row["経度"], "経度", where, LON_RANGE)
        for text in filter(None, (m.strip() for m in row["AP_MAC"].split(";"))):
            mac = canonical_mac(text)
            if mac is None:
                raise RegistryError(f"{where}: AP_MAC {text!r} is not a MAC address.")
            if mac in seen_macs:
                raise RegistryError(
                    f"{where}: AP_MAC {text} is also on row {seen_macs[mac]}; one BSSID, one AP."
                )
            seen_macs[mac] = line
            macs.append((mac, ap_id))
        aps.append(
            (
                ap_id,
                row["AP名"].strip() or ap_id,
                row["名称"].strip(),
                row["名称_英語"].strip(),
                lat,
                lon,
                SENSITIVE_MARK in row["備考"],
                int(row["NO"]) if row["NO"].strip().isdigit() else line,
            )
        )
    return aps, macs


def _site_ids(aps) -> dict[str, str]:
    """A site's id comes from the smallest NO among its rows, so it survives reordering."""
    first: dict[str, int] = {}
    for ap in aps:
        first[ap[2]] = min(first.get(ap[2], ap[7]), ap[7])
    return {name: f"S{no:04d}" for name, no in first.items()}


def load_registry(path: Path) -> Registry:
    """Read and validate a registry CSV (UTF-8 with or without BOM, or CP932)."""
    path = Path(path)
    text = _decode(path.read_bytes(), path)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None) or []
    _check_header(header, path)
    rows = [(n, dict(zip(COLUMNS, r))) for n, r in enumerate(reader, start=2) if any(r)]
    if not rows:
        raise RegistryError(f"{path}: no access points.")
    aps, macs = _parse_rows(rows, path)
    site_of = _site_ids(aps)
    ap_rows = [
        (ap_id, ap_name, site_of[name], name, en, site_of[name], lat, lon, sensitive)
        for ap_id, ap_name, name, en, lat, lon, sensitive, _ in aps
    ]
    ap_table = pa.Table.from_pylist([dict(zip(AP_SCHEMA.names, r)) for r in ap_rows], AP_SCHEMA)
    mac_table = pa.Table.from_pylist([{"mac": m, "ap_id": a} for m, a in macs], AP_MAC_SCHEMA)
    return Registry(ap_table, mac_table, _sites(ap_rows))


def _sites(ap_rows) -> pa.Table:
    by_site: dict[str, list] = {}
    for row in ap_rows:
        by_site.setdefault(row[2], []).append(row)
    out = []
    for site_id in sorted(by_site):
        group = by_site[site_id]
        out.append(
            {
                "site_id": site_id,
                "site_name": group[0][3],
                "site_name_en": group[0][4],
                "zone_id": group[0][5],
                "zone_name": group[0][3],
                "lat": sum(r[6] for r in group) / len(group),
                "lon": sum(r[7] for r in group) / len(group),
                "n_aps": len(group),
                "sensitive": any(r[8] for r in group),
            }
        )
    return pa.Table.from_pylist(out, SITE_SCHEMA)


def _from_catalog(con, effective: date) -> Registry:
    aps = (
        con.sql(
            "select * exclude (effective_from) from registry_aps where effective_from = ? order by ap_id",
            params=[effective],
        )
        .to_arrow_table()
        .cast(AP_SCHEMA)
    )
    macs = (
        con.sql(
            "select mac, ap_id from registry_ap_macs where effective_from = ? order by mac",
            params=[effective],
        )
        .to_arrow_table()
        .cast(AP_MAC_SCHEMA)
    )
    rows = [
        (
            a["ap_id"],
            a["ap_name"],
            a["site_id"],
            a["site_name"],
            a["site_name_en"],
            a["zone_id"],
            a["lat"],
            a["lon"],
            a["sensitive"],
        )
        for a in aps.to_pylist()
    ]
    return Registry(aps, macs, _sites(rows))


def store(settings: Settings, path: Path, effective: date) -> Registry:
    """Validate a registry file and keep it in the catalog, in force from `effective` on."""
    from pipeline.lake import catalog

    registry = load_registry(path)
    sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    with catalog.connect(settings) as con:
        con.execute("begin")
        for table in ("registry_versions", "registry_aps", "registry_ap_macs"):
            con.execute(f"delete from {table} where effective_from = ?", [effective])
        con.execute(
            "insert into registry_versions values (?, ?, ?, ?)",
            [effective, sha, Path(path).name, catalog.now()],
        )
        con.register("new_aps", registry.aps)
        con.register("new_macs", registry.ap_macs)
        con.execute("insert into registry_aps select ?, * from new_aps", [effective])
        con.execute("insert into registry_ap_macs select ?, mac, ap_id from new_macs", [effective])
        con.execute("commit")
    return registry


def registry_for(settings: Settings, day: date | None = None) -> Registry:
    """The registry in force on a day: the latest one loaded from that day on or before, else
    the file of the settings (the sample registry by default)."""
    from pipeline.lake import catalog

    registry = None
    if settings.catalog.exists():
        with catalog.connect(settings) as con:
            row = con.execute(
                "select max(effective_from) from registry_versions where effective_from <= ?",
                [day or date.max],
            ).fetchall()[0]
            if row[0] is not None:
                registry = _from_catalog(con, row[0])
    registry = registry or load_registry(settings.registry)
    return with_zones(registry, settings.zones) if settings.zones else registry


def with_zones(registry: Registry, path: Path) -> Registry:
    """Put each site in the district polygon (GeoJSON or GeoParquet, any CRS) that holds it.

    The zone's id and name come from the first of ZONE_ID_FIELDS / ZONE_NAME_FIELDS the file has;
    a site outside every polygon is warned about and stays a zone of its own."""
    import logging

    import geopandas as gpd

    path = Path(path)
    zones = gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path)
    if zones.crs is None:
        raise RegistryError(f"{path}: the zone file has no CRS; write it with one (e.g. EPSG:6668).")
    zones = zones.to_crs(4326)
    id_field = next((f for f in ZONE_ID_FIELDS if f in zones.columns), None)
    name_field = next((f for f in ZONE_NAME_FIELDS if f in zones.columns), id_field)
    if id_field is None:
        raise RegistryError(f"{path}: no zone id field; name one of {', '.join(ZONE_ID_FIELDS)}.")
    zones = gpd.GeoDataFrame(
        {"zid": zones[id_field].astype(str), "zname": zones[name_field].astype(str)},
        geometry=zones.geometry,
        crs=4326,
    )
    sites = registry.sites.to_pandas()[["site_id", "site_name", "lat", "lon"]]
    points = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites.lon, sites.lat), crs=4326)
    joined = gpd.sjoin(points, zones, how="left", predicate="within").drop_duplicates("site_id")
    outside = joined[joined["zid"].isna()]
    for _, site in outside.iterrows():
        logging.getLogger(__name__).warning(
            "site %s %s lies outside every zone of %s: it is a zone of its own",
            site.site_id,
            site.site_name,
            path.name,
        )
    zone_of = {r.site_id: (r.zid, r.zname) for r in joined.itertuples() if isinstance(r.zid, str)}
    site_rows = [
        {
            **s,
            "zone_id": zone_of.get(s["site_id"], (s["site_id"],))[0],
            "zone_name": zone_of.get(s["site_id"], (None, s["site_name"]))[1],
        }
        for s in registry.sites.to_pylist()
    ]
    aps = registry.aps.to_pylist()
    for ap in aps:
        ap["zone_id"] = zone_of.get(ap["site_id"], (ap["site_id"],))[0]
    return Registry(
        pa.Table.from_pylist(aps, AP_SCHEMA), registry.ap_macs, pa.Table.from_pylist(site_rows, SITE_SCHEMA)
    )
