"""The words of a release: the overview page (index.html, Japanese with an English switch) and
README.md (Japanese first, English beside it). Headline figures come from published cells only."""

from __future__ import annotations

import html

import pyarrow as pa

from pipeline.calendar import FiscalQuarter


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


def _share(value) -> str:
    """A coverage share, or why it is not given (a DP release publishes no figure outside its budget)."""
    if value is None:
        return ("<span lang='ja'>非公表（差分プライバシーの予算外）</span>"
                "<span lang='en'>not published (outside the privacy budget)</span>")
    return f"{value:.1%}"


def index_html(quarter: FiscalQuarter, figures: dict, previous: dict, last_year: dict,
               files: list[str], k: int) -> str:
    """The overview page: headline, coverage, comparisons, links; works offline, no scripts fetched."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(name)}</td><td>{mean:,.1f}</td></tr>" for name, mean in figures["top_sites"])
    flows = "".join(f"<tr><td>{e(a)} → {e(b)}</td><td>{n:,}</td></tr>"
                    for a, b, n in figures["top_flows"])
    links = "".join(f"<li><a href='{e(f)}'>{e(f)}</a></li>" for f in files)
    compare = "".join(
        f"<tr><td><span lang='ja'>{ja}</span><span lang='en'>{en}</span></td><td>{figures[key]:,}</td>"
        f"<td>{_change(figures[key], previous.get(key))}</td>"
        f"<td>{_change(figures[key], last_year.get(key))}</td></tr>"
        for key, ja, en in (("device_days", "地点別の延べ端末数", "device-days over sites"),
                            ("trips", "地点間の移動（トリップ）", "trips between sites")))
    return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>{quarter} 人流データ / people-flow data</title>
<style>body{{font:15px/1.6 sans-serif;max-width:960px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}
body.en [lang=ja],body:not(.en) [lang=en]{{display:none}}</style></head>
<body><button onclick="document.body.classList.toggle('en')">日本語 / English</button>
<h1><span lang="ja">大分市 公衆無線LAN 人流データ {quarter}</span>
<span lang="en">Oita City public Wi-Fi people-flow data {quarter}</span></h1>
<p><span lang="ja">期間 {quarter.first_day}〜{quarter.last_day}。端末（スマートフォン等）の数であり人数ではありません。
{k}台未満の値は秘匿しています。</span><span lang="en">{quarter.first_day} to {quarter.last_day}. Counts of
devices, not people. Values under {k} devices are suppressed.</span></p>
<h2><span lang="ja">主な数値</span><span lang="en">Headline</span></h2>
<table><tr><th></th><th>{quarter}</th><th><span lang="ja">前四半期比</span><span lang="en">vs previous
quarter</span></th><th><span lang="ja">前年同期比</span><span lang="en">vs same quarter last year</span>
</th></tr>{compare}</table>
<h2><span lang="ja">データの網羅性</span><span lang="en">Coverage</span></h2>
<ul><li><span lang="ja">データのある日</span><span lang="en">days with data</span>:
{figures['days_with_data']} / {figures['days']}</li>
<li><span lang="ja">AP稼働率</span><span lang="en">AP uptime</span>: {_share(figures['ap_uptime'])}</li>
<li><span lang="ja">隔離率</span><span lang="en">quarantine rate</span>: {_share(figures['quarantine_rate'])}</li></ul>
<h2><span lang="ja">よく使われた地点（1日平均端末数）</span><span lang="en">Busiest sites (devices a day)</span></h2>
<table>{rows}</table>
<h2><span lang="ja">主な移動</span><span lang="en">Main flows (trips)</span></h2><table>{flows}</table>
<h2><span lang="ja">地図・表</span><span lang="en">Maps and tables</span></h2><ul>{links}</ul>
</body></html>
"""


def readme(quarter: FiscalQuarter, figures: dict, k: int) -> str:
    """README.md of the package: Japanese first, English beside it."""
    return f"""# 大分市 公衆無線LAN 人流データ {quarter} / Oita City public Wi-Fi people-flow data {quarter}

期間 / period: {quarter.first_day} – {quarter.last_day}（データのある日 / days with data:
{figures['days_with_data']} / {figures['days']}）

## このデータについて / About this data

市内の公衆無線LANアクセスポイント（AP）の接続記録から、地点ごとの端末数・滞在時間と、地点間の移動（OD）を
集計した統計データです。MACアドレスは取り込み時に日ごとの鍵で仮名化し、生ログはその日の鍵と一緒に
（既定で集計の2日後、遅くとも3日後に）削除しています。個人を特定できる情報は含みません。
Statistics of how many devices were at each public Wi-Fi site, how long they stayed, and how many
moved between sites, from the access points' connection logs. MAC addresses are pseudonymised at
ingestion with a daily key, and raw logs are deleted with that key (by default 2 days after the
day, 3 at most); nothing here identifies a person.

## 秘匿のルール / Privacy rules

- すべての公表値は{k}台以上の端末に基づきます。{k}台未満のセルは空欄（`suppressed` = TRUE）です。
  Every published value covers at least {k} devices; smaller cells are blank (`suppressed` = TRUE).
- 差や内訳（通過端末数＝端末数−滞在端末数、再訪問＝訪問数−端末数など）も{k}台未満になる値は空欄です。
  Differences and parts (passers-by, repeat visits, repeat trips) below {k} are blank as well.
- 地点の合計から空欄の値が絞り込めないよう、二次秘匿を行っています（どの空欄も、合計から解ける範囲の上限が
  真の値より{k}台以上大きい）。同じ四半期の以前の版で空欄だった値は、以後の版でも空欄です。
  Secondary suppression: from the site totals of every version, each blank value can only be bounded
  to a range reaching at least {k} above it; a value blank in an earlier version stays blank.
- 要配慮施設（保健所など）は単独では公表せず、稼働率などデータから作る項目も載せません。
  Sensitive sites are never published alone, nor any field made from their logs.

## 地図 / Maps (`maps/`, インターネット接続なしで開けます / open with no internet)

- `heatmap.html`: 時間帯別の人流ヒートマップ（平日・土日祝）。地点をクリックすると時間別の値。
  Footfall heat (weekday and weekend/holiday layers); click a site for its hourly profile.
- `flows.html`: 地点間の移動。線の太さがトリップ数。Flows between sites, width by trips.
- 背景地図は地理院タイル（オンライン時のみ）。Base map: GSI tiles when online.

## 表 / Tables (`tables/`: CSV = UTF-8 BOM付き（Excel用）, Parquet; `geo/`: GeoJSON)

- `footfall_daily`: 地点×日の端末数 / devices per site and day
- `footfall_profile`: 地点×曜日区分×時の平均端末数 / mean devices per site, day type and hour
- `od_flows`: ゾーン間の移動 / flows between zones; `locations.csv` + `flows.csv` は flowmap.blue
  と kepler.gl 用 / for flowmap.blue and kepler.gl
- `sites`: 地点一覧と四半期の延べ端末数 / sites with the quarter's device-days
- `dictionary`: 全列の説明 / every column explained

## 注意 / Caveats

- 端末の数であり人数ではありません（複数台を持つ人、Wi-Fiを切っている人がいます）。
  Devices, not people: some carry two, some have Wi-Fi off.
- ランダム化MACアドレスの端末は日ごとに別の端末として数えられることがあります。
  Devices with randomised MACs may count as new devices.
- `no_data` = TRUE はAPが停止していた時間・日で、0人ではありません。`no_data` = TRUE means the APs
  were silent: no data, not zero people.

`manifest.json` に全ファイルのSHA-256・行数・作成条件を記録しています。
`manifest.json` lists every file's SHA-256 and rows and the policy numbers.
"""
