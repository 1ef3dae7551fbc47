"""The parts of a release beyond the tables and maps: GeoJSON, flowmap.blue / kepler.gl CSVs, the
column dictionary, the README (Japanese first) and the overview page, and the deterministic zip."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pyarrow as pa

# table -> column -> (日本語, description in Japanese, in English)
DICTIONARY = {
    "footfall_daily": {
        "day": ("日付", "サービス日（4:00〜翌4:00）", "service day (04:00-04:00 local)"),
        "site_id": ("地点ID", "地点（同じ名称のAP群）の識別子", "site id (APs sharing a name)"),
        "site_name": ("地点名", "推奨データセットの名称", "the registry's 名称"),
        "devices": ("端末数", "その日に地点にいた端末の数（重複なし）", "distinct devices that day"),
        "visitors": (
            "滞在端末数",
            "5分以上滞在した端末（これか通過端末数がk未満なら両方空欄）",
            "devices staying 5 min or more (blank with passers_by when either is under k)",
        ),
        "passers_by": (
            "通過端末数",
            "5分未満の端末（端末数−滞在端末数）",
            "devices staying under 5 min (devices - visitors)",
        ),
        "visits": (
            "訪問数",
            "訪問（連続した滞在）の数（訪問数−端末数がk未満なら空欄）",
            "visits (continuous presence); blank when visits - devices is under k",
        ),
        "median_dwell_min": ("滞在時間中央値（分）", "訪問の滞在時間の中央値", "median visit length"),
        "suppressed": (
            "秘匿",
            "k台未満、合計からの逆算防止、または以前の版で空欄のため空欄",
            "blank: under k, protecting another blank, or blank in an earlier version",
        ),
        "no_data": (
            "欠測",
            "APが停止していたためデータなし（0人ではない）。差分プライバシー版では非公表",
            "APs silent: no data, not 0; not published in a DP release",
        ),
    },
    "footfall_profile": {
        "day_type": ("曜日区分", "weekday=平日、holiday=土日祝", "weekday or weekend/holiday"),
        "hour_local": ("時", "時刻（日本時間）", "local hour"),
        "device_hours": ("延べ端末数", "四半期の該当日の合計", "sum over the quarter's days"),
        "mean_devices": ("平均端末数", "1日あたりの平均（欠測日を除く）", "mean per day with data"),
        "no_data_days": ("欠測日数", "APが停止していた日数", "days without data"),
    },
    "od_flows": {
        "origin_zone_id": ("出発ゾーン", "移動元", "origin zone"),
        "dest_zone_id": ("到着ゾーン", "移動先", "destination zone"),
        "trips": (
            "トリップ数",
            "四半期の移動の数（トリップ数−延べ端末数がk未満なら行ごと空欄）",
            "moves in the quarter (the row is blank when trips - device_days is under k)",
        ),
        "device_days": ("延べ端末数", "移動した端末の日ごとの数の合計", "sum of daily distinct devices"),
        "median_travel_min": ("所要時間中央値（分）", "出発から到着まで", "departure to arrival"),
    },
    "sites": {
        "lat": ("緯度", "世界測地系", "WGS 84"),
        "lon": ("経度", "世界測地系", "WGS 84"),
        "n_aps": ("AP数", "地点のアクセスポイント数", "access points at the site"),
        "device_days": ("延べ端末数", "四半期の日ごとの端末数の合計", "sum of daily devices"),
        "mean_daily_devices": ("1日平均端末数", "四半期の日数で割った値", "per day of the quarter"),
        "sensitive": ("要配慮施設", "単独では公表しない", "never published alone"),
        "days_with_data": (
            "データのある日数",
            "端末が記録された日数（要配慮施設・差分プライバシー版では空欄）",
            "days with devices (blank for sensitive sites and in a DP release)",
        ),
        "ap_uptime": (
            "AP稼働日率",
            "APがログを出していた日の割合（時間単位の欠測は欠測時間数。要配慮施設・差分プライバシー版では空欄）",
            "AP-days with logs; hour-long gaps: no_data_hours (blank for sensitive sites, DP release)",
        ),
        "no_data_hours": (
            "欠測時間数",
            "APが停止していた時間の数（要配慮施設・差分プライバシー版では空欄）",
            "hours without data (blank for sensitive sites and in a DP release)",
        ),
    },
}


def dictionary_table(tables: dict[str, pa.Table]) -> pa.Table:
    """One row per published column: its Japanese name and meaning in both languages."""
    rows = []
    shared = {c: d for t in DICTIONARY.values() for c, d in t.items()}
    for name, table in tables.items():
        for column in table.column_names:
            ja, desc_ja, desc_en = DICTIONARY.get(name, {}).get(column) or shared.get(column, ("", "", ""))
            rows.append(
                {
                    "table": name,
                    "column": column,
                    "name_ja": ja,
                    "description_ja": desc_ja,
                    "description_en": desc_en,
                }
            )
    return pa.Table.from_pylist(rows)


def _feature(geometry: dict, properties: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def geojson(tables: dict[str, pa.Table]) -> dict[str, bytes]:
    """sites.geojson (points) and flows.geojson (lines of the published OD pairs), WGS 84."""
    sites = [
        _feature(
            {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            {k: v for k, v in r.items() if k not in ("lat", "lon")},
        )
        for r in tables["sites"].to_pylist()
    ]
    flows = [
        _feature(
            {
                "type": "LineString",
                "coordinates": [[r["origin_lon"], r["origin_lat"]], [r["dest_lon"], r["dest_lat"]]],
            },
            {k: v for k, v in r.items() if not k.endswith(("_lat", "_lon"))},
        )
        for r in tables["od_flows"].to_pylist()
        if not r["suppressed"]
    ]
    dump = {"type": "FeatureCollection"}
    return {
        name: json.dumps({**dump, "features": feats}, ensure_ascii=False).encode("utf-8")
        for name, feats in (("sites.geojson", sites), ("flows.geojson", flows))
    }


def flowmap_tables(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The locations / flows pair that flowmap.blue and kepler.gl's flow layer read."""
    flows = [r for r in tables["od_flows"].to_pylist() if not r["suppressed"]]
    zones = {}
    for r in flows:
        zones[r["origin_zone_id"]] = (r["origin_name"], r["origin_lat"], r["origin_lon"])
        zones[r["dest_zone_id"]] = (r["dest_name"], r["dest_lat"], r["dest_lon"])
    locations = pa.Table.from_pylist(
        [{"id": z, "name": n, "lat": lat, "lon": lon} for z, (n, lat, lon) in sorted(zones.items())]
    )
    pairs = pa.Table.from_pylist(
        [{"origin": r["origin_zone_id"], "dest": r["dest_zone_id"], "count": r["trips"]} for r in flows]
    )
    return {"locations": locations, "flows": pairs}


def deterministic_zip(root: Path) -> bytes:
    """Zip a directory with sorted names and fixed timestamps, so the same files give the same zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(
                f"{root.name}/{path.relative_to(root).as_posix()}", date_time=(1980, 1, 1, 0, 0, 0)
            )
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
