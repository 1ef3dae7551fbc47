"""The words of a release: the overview page (index.html, Japanese with an English switch) and
README.md (Japanese first, English beside it). Headline figures come from published cells only."""

from __future__ import annotations


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


def index_html(quarter: FiscalQuarter, figures: dict, previous: dict, last_year: dict,
               files: list[str], k: int) -> str:
    """The overview page (a Jinja2 template with autoescape): headline, coverage, comparisons, the
    trend and profile charts inline, links; works offline, no scripts fetched."""
    from maps.render import TEMPLATES

    compare = [(ja, en, f"{figures[key]:,}", _change(figures[key], previous.get(key)),
                _change(figures[key], last_year.get(key)))
               for key, ja, en in (("device_days", "地点別の延べ端末数", "device-days over sites"),
                                   ("trips", "地点間の移動（トリップ）", "trips between sites"))]
    shares = [(ja, en, None if figures[key] is None else f"{figures[key]:.1%}")
              for key, ja, en in (("ap_uptime", "AP稼働率", "AP uptime"),
                                  ("quarantine_rate", "隔離率", "quarantine rate"))]
    charts = [(f"figures/{name}.svg", ja, en) for name, ja, en in CHARTS if f"figures/{name}.png" in files]
    return TEMPLATES.get_template("index.html").render(
        quarter=str(quarter), first_day=quarter.first_day, last_day=quarter.last_day, k=k,
        compare=compare, shares=shares, charts=charts, days=figures["days"],
        days_with_data=figures["days_with_data"],
        top_sites=[(name, f"{mean:,.1f}") for name, mean in figures["top_sites"]],
        top_flows=[(a, b, f"{n:,}") for a, b, n in figures["top_flows"]], links=files)


CHARTS = [("trend_top_sites", "日別端末数（上位地点）", "devices a day at the busiest sites"),
          ("profile_weekday_holiday", "時間帯別の端末数（平日・土日祝）", "devices by hour, weekday and holiday")]


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
- `change.html`: 地点別1日平均端末数の前四半期比・前年同期比（秘匿は灰色の破線の円）。
  Change in devices a day against the previous quarter and last year (suppressed: grey dashed ring).
- 背景地図：大分市域と鉄道駅（日本語名）をオフラインで表示。地理院タイルはオンライン時に選択可。
  Base map offline: the city boundary and railway stations (Japanese names); GSI tiles when online.
- 背景地図の出典 / base-map sources (`maps/lib/basemap-SOURCES.md`): 大分市域 = 国土数値情報
  （行政区域データ N03, 2021）（国土交通省）を加工して作成（政府標準利用規約 2.0, CC BY 4.0 互換;
  simplified copy: github.com/smartnews-smri/japan-topography）。鉄道駅 = JR九州 各線の駅位置
  （github.com/zaiyingzhao/Jinshin_Visualization, uedayou.net JR駅 LOD; 元は国土数値情報 N02）。
- 色は色覚の違いに配慮した配色（viridis）。ボタンで日本語／English を切替。
  Colour-blind-safe scales (viridis); a button switches Japanese / English.

## 図と報告書 / Figures and report

- `report.pdf`: A4の四半期報告（日本語、フォント埋め込み）。A4 quarterly report in Japanese.
- `figures/`: 地図（市域・中心部）、日別推移、時間帯別（平日・土日祝）、滞在時間の分布、主な移動。
  PNG（300 dpi）と SVG。公表した表だけから作成。Maps (city and centre), daily trend, hourly
  profile, dwell distribution, top OD pairs as PNG (300 dpi) and SVG, from the published tables only.

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
