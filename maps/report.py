"""report.pdf: a short A4 quarterly report in Japanese, from the published tables and headline only.

Cover with the headline figures and their change, coverage and suppression notes, the figures, and
the method and privacy in plain words. Fonts are embedded (TrueType), so the text prints, copies
and is found by a search.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from matplotlib import pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

from maps import figures

A4 = (8.27, 11.69)
WRAP = 44  # Japanese characters a line at 11 pt across A4 with margins


def _change(now, before) -> str:
    if not before or not now:
        return "—"
    return f"{(now - before) / before:+.1%}"


def _share(value) -> str:
    return "非公表（差分プライバシーの予算外）" if value is None else f"{value:.1%}"


def _text_page(pdf: PdfPages, title: str, blocks: list[str], first: bool = False) -> None:
    fig = plt.figure(figsize=A4)
    fig.text(0.08, 0.94, title, fontsize=18 if first else 15, weight="bold", va="top")
    y = 0.88
    for block in blocks:
        for line in block.split("\n"):
            wrapped = textwrap.wrap(line, WRAP) or [""]
            for part in wrapped:
                fig.text(0.08, y, part, fontsize=11, va="top")
                y -= 0.024
        y -= 0.012
    pdf.savefig(fig)
    plt.close(fig)


def _headline_lines(quarter, figures_: dict, previous: dict, last_year: dict) -> list[str]:
    rows = [("地点別の延べ端末数", "device_days"), ("地点間の移動（トリップ）", "trips")]
    lines = [
        f"■ {label}：{figures_[key]:,}（前四半期比 {_change(figures_[key], previous.get(key))}、"
        f"前年同期比 {_change(figures_[key], last_year.get(key))}）"
        for label, key in rows
    ]
    lines.append(f"■ 公表した地点：{figures_['sites_published']} 地点")
    lines += ["■ よく使われた地点（1日平均端末数）"] + [
        f"　{i}. {name}　{mean:,.1f}" for i, (name, mean) in enumerate(figures_["top_sites"], 1)
    ]
    lines += ["■ 主な移動（トリップ数）"] + [
        f"　{i}. {a} → {b}　{n:,}" for i, (a, b, n) in enumerate(figures_["top_flows"], 1)
    ]
    return lines


def build_report(
    path: Path, quarter, tables: dict, layers: dict, headline: dict, previous: dict, last_year: dict, k: int
) -> Path:
    """Write report.pdf for a quarter; every number comes from the release itself."""
    figures.style()
    path.parent.mkdir(parents=True, exist_ok=True)
    with PdfPages(
        path,
        metadata={
            "Title": f"大分市 公衆無線LAN 人流データ {quarter}",
            "Creator": "wifi-footfall",
            "CreationDate": None,
        },
    ) as pdf:
        _text_page(
            pdf,
            f"大分市 公衆無線LAN 人流データ\n{quarter} 四半期報告",
            [
                f"期間：{quarter.first_day} 〜 {quarter.last_day}",
                "市内の公衆無線LANアクセスポイントの接続記録から、地点ごとの端末数と地点間の移動を"
                "集計した統計です。数値は端末（スマートフォン等）の数であり、人数ではありません。",
                "\n".join(_headline_lines(quarter, headline, previous, last_year)),
                "■ データの網羅性\n"
                f"　データのある日：{headline['days_with_data']} / {headline['days']} 日\n"
                f"　AP稼働日率：{_share(headline['ap_uptime'])}"
                f"　隔離率：{_share(headline['quarantine_rate'])}",
                f"■ 秘匿：{k}台未満の値、および合計から逆算できる値は空欄（秘匿）にしています。"
                "地図と図では秘匿した地点・組を表示していません（灰色の円は秘匿した地点）。",
            ],
            first=True,
        )
        for draw, options, _ in figures.FIGURES.values():
            fig, ax = plt.subplots(figsize=A4, layout="constrained")
            draw(ax, tables, layers, **options)
            pdf.savefig(fig)
            plt.close(fig)
        _text_page(
            pdf,
            "方法とプライバシー",
            [
                "■ 集計の方法\nアクセスポイントの接続記録を、地点（同じ名称のAP群）ごと・日ごとに集計し、"
                "同じ端末が別の地点に続けて現れたものを移動（トリップ）として数えています。"
                "1日は4時から翌4時までです。",
                "■ プライバシー\nMACアドレスは取り込み時に日ごとの鍵で仮名化し、生の記録はその鍵と一緒に"
                "数日以内に削除しています。個人を特定できる情報は含みません。"
                f"すべての公表値は{k}台以上の端末に基づきます。",
                "■ 注意\n一人が複数の端末を持つことや、Wi-Fiを切っている人がいるため、"
                "端末数は人数と一致しません。"
                "APが停止していた時間は欠測であり、0人ではありません。",
                "■ 背景地図\n大分市域・海岸線：国土数値情報（行政区域データ）（国土交通省）を加工して作成。"
                "鉄道：国土数値情報（鉄道データ）（国土交通省）を加工して作成"
                "（station_database, CC BY 4.0）。"
                "鉄道駅：出典は release の maps/lib/basemap-SOURCES.md を参照。",
            ],
        )
    return path
