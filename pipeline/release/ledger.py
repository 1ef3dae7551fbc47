"""The provision ledger: which release went to which departments when, and the KPI it proves.

Oita City's target (DX action plan, 施策 12-1): flow-analysis data provided at least four times in
every fiscal year. A provision is counted in the fiscal year of the day it was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from pipeline.lake import catalog
from pipeline.calendar import FiscalQuarter
from pipeline.config import Settings

TARGET = 4


class LedgerError(RuntimeError):
    """A provision cannot be recorded (no such release)."""


@dataclass(frozen=True)
class FiscalYearKpi:
    """Provisions of one fiscal year against the target."""

    fiscal_year: int
    provisions: list
    quarters_without: list
    closed: bool

    @property
    def met(self) -> bool:
        return len(self.provisions) >= TARGET


def record_release(settings: Settings, quarter: FiscalQuarter, sha: str, path: Path) -> None:
    """Note a built release in the catalog (the build time lives here, not in the package)."""
    with catalog.connect(settings) as con:
        con.execute(
            "insert or replace into releases values (?, ?, ?, ?)",
            [str(quarter), sha, catalog.now(), str(path)],
        )


def provide(settings: Settings, release: str, recipients: list[str], at: datetime | None = None) -> list:
    """Record that a release was handed to departments; returns the provision row."""
    if not recipients:
        raise LedgerError("name at least one recipient department (--to).")
    with catalog.connect(settings) as con:
        found = con.execute("select package_sha256 from releases where release = ?", [release]).fetchall()
        if not found:
            raise LedgerError(
                f"release {release} has not been built; run `footfall publish --quarter {release}` first."
            )
        row = [release, "; ".join(recipients), at or catalog.now(), found[0][0]]
        con.execute("insert into provisions values (?, ?, ?, ?)", row)
    return row


def kpi(settings: Settings, today: date, fiscal_year: int | None = None) -> list[FiscalYearKpi]:
    """Per fiscal year (the one asked, else every year with a release or provision up to today)."""
    with catalog.connect(settings) as con:
        rows = con.execute(
            "select release, recipients, provided_at from provisions order by provided_at"
        ).fetchall()
        releases = [r[0] for r in con.execute("select release from releases").fetchall()]
    by_fy: dict[int, list] = {}
    for release, recipients, at in rows:
        day = at.astimezone(settings.zone).date()
        by_fy.setdefault(FiscalQuarter.of(day).year, []).append((release, recipients, day))
    years = {fiscal_year} if fiscal_year else (set(by_fy) | {FiscalQuarter.parse(r).year for r in releases})
    current = FiscalQuarter.of(today)
    out = []
    for fy in sorted(years):
        provisions = by_fy.get(fy, [])
        done = {FiscalQuarter.of(day).quarter for _, _, day in provisions}
        elapsed = [q for q in range(1, 5) if FiscalQuarter(fy, q) <= current]
        out.append(
            FiscalYearKpi(
                fy,
                provisions,
                [f"FY{fy}Q{q}" for q in elapsed if q not in done],
                closed=FiscalQuarter(fy, 4) < current,
            )
        )
    return out


def check_quarter(settings: Settings, quarter: FiscalQuarter, today: date) -> None:
    """Raise when a quarter ended without any provision: the KPI alert."""
    year = kpi(settings, today, quarter.year)[0]
    if str(quarter) in year.quarters_without:
        raise LedgerError(
            f"{quarter} ended without any provision of flow-analysis data to the "
            f"departments ({len(year.provisions)} of {TARGET} in FY{quarter.year} so "
            "far): provide a release (`footfall provide`) and record it."
        )


def check_last_quarter(settings: Settings, today: date) -> str:
    """The quarterly run's KPI alert: raise when the quarter that ended last saw no provision
    although the ledger was in use by then (a quarter that ended before the first provision ever
    recorded is no alert); otherwise say what was checked."""
    quarter = FiscalQuarter.of(FiscalQuarter.of(today).first_day - timedelta(days=1))
    ended = datetime.combine(quarter.next().first_day, time(), tzinfo=settings.zone)
    with catalog.connect(settings) as con:
        earlier = con.execute("select count(*) from provisions where provided_at < ?", [ended]).fetchall()[0][
            0
        ]
    if not earlier:
        return f"{quarter}: it ended before the first provision was recorded; nothing to check"
    check_quarter(settings, quarter, today)
    return f"{quarter}: at least one provision during the quarter"
