"""The `footfall` command: thin Typer entry points over the pipeline functions.

Exit codes: 0 done, 1 failed (the message says what to do), 2 usage error.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from pipeline.config import load_settings

app = typer.Typer(
    help="wifi-footfall: public Wi-Fi logs -> privacy-safe footfall and flow data.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
DEMO_MARK = ".footfall-demo"
DEMO_QUARTER = "FY2024Q1"


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a day; write it as YYYY-MM-DD.") from None


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every step.")] = False):
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _known_errors():
    from pipeline.publish import NothingToPublishError
    from pipeline.pseudonym import KeyDestroyedError
    from pipeline.registry import RegistryError
    from pipeline.sources import UnknownFormatError
    from pipeline.stages import NoDataError
    return (NothingToPublishError, KeyDestroyedError, RegistryError, UnknownFormatError,
            NoDataError, FileNotFoundError)


def _run(func, *args):
    try:
        return func(*args)
    except _known_errors() as error:
        _fail(str(error))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Log files (plain or .gz) to land.")],
    day: Annotated[str | None, typer.Option(help="Service day the files belong to, "
                                               "YYYY-MM-DD (year for formats without one).")] = None,
) -> None:
    """Land log files (checksummed; a file seen before is skipped) and ingest them."""
    from pipeline import ingest as ingestion
    from pipeline.registry import load_registry

    settings = load_settings()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        _fail(f"no such file: {', '.join(missing)}")
    landed = _run(ingestion.land, settings, paths, _day(day) if day else None)
    totals = _run(ingestion.ingest, settings, load_registry(settings.registry))
    typer.echo(f"landed {len(landed)} new file(s); ingested {totals['files']}: "
               f"{totals['events']:,} events, {totals['quarantined']:,} quarantined, "
               f"days {', '.join(totals['days']) or '-'}")


@app.command()
def nightly(day: Annotated[str, typer.Option(help="Service day to process, YYYY-MM-DD.")]) -> None:
    """Run the night of one service day: land the inbox -> ingest -> visits and trips -> marts."""
    from pipeline import stages

    figures = _run(stages.nightly, load_settings(), _day(day))
    move, marts = figures["movement"], figures["marts"]
    typer.echo(f"{day}: {move['devices']:,} devices, {move['visits']:,} visits, "
               f"{move['trips']:,} trips; marts {marts}")


@app.command()
def publish(quarter: Annotated[str, typer.Option(help="Fiscal quarter, e.g. FY2024Q1 "
                                                 "(FY starts in April).")]) -> None:
    """Build the quarterly release (maps, suppressed tables, manifest) in published/."""
    from pipeline.calendar import FiscalQuarter
    from pipeline.publish import publish as build

    try:
        fq = FiscalQuarter.parse(quarter)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    release = _run(build, load_settings(), fq)
    typer.echo(f"{release.quarter}: {release.days_with_data} days, rows {release.rows}, "
               f"suppressed {release.suppressed}\nflow map: {release.flow_map}")


@app.command()
def simulate(
    first: Annotated[str, typer.Option(help="First service day, YYYY-MM-DD.")],
    last: Annotated[str, typer.Option(help="Last service day, YYYY-MM-DD.")],
    devices: Annotated[int, typer.Option(help="Devices in the synthetic population.")] = 12000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same logs).")] = 7,
) -> None:
    """Write synthetic Meraki syslog for the sample city into the inbox (truth kept apart)."""
    from pipeline.registry import load_registry
    from pipeline.simulate import simulate as run

    settings = load_settings()
    result = run(settings, load_registry(settings.registry), _day(first), _day(last), devices, seed)
    typer.echo(f"wrote {len(result.files)} file(s), {result.events:,} events to {settings.inbox}")


def _fresh_demo_home(settings) -> None:
    home = settings.home
    if home.exists() and any(home.iterdir()) and not (home / DEMO_MARK).exists():
        _fail(f"{home} holds a lake that the demo did not make; set FOOTFALL_HOME to an empty "
              "directory for the demo.")
    for path in (home, settings.keystore):
        shutil.rmtree(path, ignore_errors=True)
    home.mkdir(parents=True)
    (home / DEMO_MARK).touch()


@app.command()
def demo(
    quarter: Annotated[str, typer.Option(help="Fiscal quarter to simulate.")] = DEMO_QUARTER,
    devices: Annotated[int, typer.Option(help="Devices in the synthetic population.")] = 12000,
) -> None:
    """Simulate a fiscal quarter of the sample city, run every night and publish the release."""
    from pipeline import stages
    from pipeline.calendar import FiscalQuarter
    from pipeline.publish import publish as build
    from pipeline.registry import load_registry
    from pipeline.simulate import simulate as run

    started = time.monotonic()
    settings = load_settings()
    fq = FiscalQuarter.parse(quarter)
    _fresh_demo_home(settings)
    registry = load_registry(settings.registry)
    run(settings, registry, fq.first_day, fq.last_day, devices)
    totals = {"events": 0, "devices": 0, "visits": 0, "trips": 0}
    day = fq.first_day
    while day <= fq.last_day:
        night = _run(stages.nightly, settings, day)
        totals["events"] += night["ingest"]["events"]
        for key in ("devices", "visits", "trips"):
            totals[key] += night["movement"][key]
        day += timedelta(days=1)
    release = _run(build, settings, fq)
    typer.echo(
        f"demo {fq}: {len(fq.days())} days, {totals['events']:,} events, "
        f"{totals['devices']:,} device-days, {totals['visits']:,} visits, {totals['trips']:,} trips\n"
        f"release: {release.path}\n  suppressed cells: {release.suppressed}\n"
        f"elapsed: {time.monotonic() - started:.1f} s\n"
        f"heat map: {release.heat_map}\nflow map: {release.flow_map}"
    )
