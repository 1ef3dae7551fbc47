"""`footfall nightly` and `check`: the night of a service day, and the lake's health."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from pipeline.cli.common import _day, _run, app
from pipeline.config import load_settings


@app.command()
def nightly(day: Annotated[str, typer.Option(help="Service day to process, YYYY-MM-DD.")]) -> None:
    """Run the night of one service day: land the inbox -> ingest -> visits and trips -> marts."""
    from pipeline.ops import nightly
    from pipeline.ops.stages import Closed

    q = _run(nightly.run, load_settings(), _day(day), checked=False).quality  # it checks itself
    if isinstance(q, Closed):
        typer.echo(f"{day}: closed (its pseudonymised data is past retention); aggregates kept")
        return
    share = "-" if q.randomised_share is None else f"{q.randomised_share:.0%}"
    typer.echo(
        f"{day}: {q.events:,} events from {q.files} file(s), {q.quarantined:,} "
        f"quarantined {q.quarantined_by_reason}, {q.ignored:,} ignored (other programs' "
        f"lines and event types), {q.devices:,} devices "
        f"({share} randomised MACs), {q.visits:,} visits, {q.trips:,} trips, "
        f"{q.silent_aps} silent / {q.degraded_aps} degraded of {q.aps} APs"
    )


@app.command()
def check(
    first: Annotated[str | None, typer.Option(help="First service day, YYYY-MM-DD.")] = None,
    last: Annotated[str | None, typer.Option(help="Last service day, YYYY-MM-DD.")] = None,
    repair: Annotated[bool, typer.Option(help="Rebuild the catalog and corrupt partitions.")] = False,
) -> None:
    """Check the lake; exit 1 while anything is wrong: leftovers of killed runs (cleared), the
    catalog against the lake and the keystore, every partition file against the sha256 recorded
    when it was written (older files: their page checksums).

    With --repair a lost or damaged catalog is rebuilt from the lake (what it could not restore
    is listed), days whose keys are lost are closed, and a corrupt day is rebuilt from its raw log
    (while retention keeps it) or its staged events; what cannot be rebuilt is set aside as
    *.parquet.corrupt, to restore from backup.
    """
    from pipeline.ops import checkup

    settings = load_settings()
    first_day, last_day = _day(first) if first else date.min, _day(last) if last else date.max
    result = _run(checkup.check, settings, first_day, last_day, repair, checked=False)
    for line in result.lines:
        typer.echo(line)
    if result.failed:
        raise typer.Exit(1)
