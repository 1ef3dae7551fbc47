"""`footfall publish`, `provide` and `kpi`: the quarterly release and its provisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from pipeline.cli.common import _day, _run, app
from pipeline.config import load_settings


@app.command()
def publish(
    quarter: Annotated[str, typer.Option(help="Fiscal quarter, e.g. FY2024Q1 (FY starts in April).")],
) -> None:
    """Build the quarterly release (maps, suppressed tables, manifest) in published/."""
    from pipeline.calendar import FiscalQuarter
    from pipeline.release import publish

    try:
        fq = FiscalQuarter.parse(quarter)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    release = _run(publish.publish, load_settings(), fq)
    typer.echo(
        f"{release.quarter}: {release.days_with_data} days, rows {release.rows}, "
        f"suppressed {release.suppressed}\nflow map: {release.flow_map}"
    )


@app.command()
def provide(
    release: Annotated[str, typer.Option(help="The release handed over, e.g. FY2024Q1.")],
    to: Annotated[list[str], typer.Option("--to", help="A recipient department (repeat).")],
    at: Annotated[str | None, typer.Option(help="Day it was provided, if not today.")] = None,
) -> None:
    """Record that a release was provided to departments (counted for the KPI)."""
    from datetime import datetime

    from pipeline.release import ledger

    settings = load_settings()
    when = (
        datetime.combine(_day(at), datetime.min.time().replace(hour=12), tzinfo=settings.zone) if at else None
    )
    row = _run(ledger.provide, settings, release, to, when)
    typer.echo(f"provided {row[0]} to {row[1]} (package sha256 {row[3][:16]}…)")


@app.command()
def kpi(
    fy: Annotated[int | None, typer.Option(help="Fiscal year (FY2024 = Apr 2024-Mar 2025).")] = None,
) -> None:
    """Provisions per fiscal year against the target of 4; exit 1 for a closed year below it."""
    from pipeline.release import ledger

    settings = load_settings()
    years = _run(ledger.kpi, settings, date.today(), fy)
    if not years:
        typer.echo("no release or provision recorded yet")
    failed = False
    for year in years:
        state = "met" if year.met else ("MISSED" if year.closed else "open")
        typer.echo(
            f"FY{year.fiscal_year}: {len(year.provisions)} / {ledger.TARGET} provisions "
            f"({state}); quarters without one: {', '.join(year.quarters_without) or '-'}"
        )
        for release, recipients, day in year.provisions:
            typer.echo(f"  {day}  {release}  -> {recipients}")
        failed |= year.closed and not year.met
    if failed:
        raise typer.Exit(1)
