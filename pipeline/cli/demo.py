"""`footfall simulate` and `demo`: the synthetic city. The only door to pipeline.sim: imported
inside these commands, never at the top (tests/test_layers.py)."""

from __future__ import annotations

import queue
import shutil
import threading
import time
from datetime import date
from typing import Annotated, Any

import typer

from pipeline.cli.common import _day, _fail, _run, app
from pipeline.config import OITA_POPULATION, load_settings

DEMO_MARK = ".footfall-demo"
DEMO_QUARTER = "FY2024Q1"


@app.command()
def simulate(
    first: Annotated[str, typer.Option(help="First service day, YYYY-MM-DD.")],
    last: Annotated[str, typer.Option(help="Last service day, YYYY-MM-DD.")],
    devices: Annotated[
        int,
        typer.Option(help="Devices in the synthetic population (the oita scale: about 20,000 a weekday)."),
    ] = OITA_POPULATION,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same logs).")] = 7,
    scenario: Annotated[
        str,
        typer.Option(
            help="Noise of the logs: clean, duplicated, lost_events, "
            "skewed_clock, flapping, outages, nas_restarts, "
            "unfiltered, realistic."
        ),
    ] = "realistic",
) -> None:
    """Write a synthetic city's logs (Meraki, Aruba, hostapd, RADIUS) into the inbox; truth apart."""
    from pipeline.ingest.registry import load_registry
    from pipeline.sim.logs import SCENARIOS, sources_csv
    from pipeline.sim import city

    if scenario not in SCENARIOS:
        raise typer.BadParameter(f"{scenario!r}: one of {', '.join(SCENARIOS)}")
    settings = load_settings()
    registry = load_registry(settings.registry)
    result = city.simulate(
        settings, registry, _day(first), _day(last), devices, seed, noise=SCENARIOS[scenario]
    )
    typer.echo(f"wrote {len(result.files)} file(s), {result.events:,} events to {settings.inbox}")
    if SCENARIOS[scenario].utc_clock:
        path = sources_csv(registry, settings.home / "simulation" / "sources.csv")
        typer.echo(f"one simulated AP keeps its clock on UTC: ingest with FOOTFALL_SOURCES={path}")


def _fresh_demo_home(settings) -> None:
    home = settings.home
    others = [p for p in home.iterdir() if p != settings.basemap] if home.exists() else []
    if others and not (home / DEMO_MARK).exists():
        _fail(
            f"{home} holds a lake that the demo did not make; set FOOTFALL_HOME to an empty "
            "directory for the demo."
        )
    # a city's imported base-map layers are its own work, not the demo's: they stay
    gone = sorted(p for p in others if p.name != DEMO_MARK)
    if gone or settings.keystore.exists():
        kept = (
            f"; keeping {settings.basemap} (the city's base-map layers)" if settings.basemap.exists() else ""
        )
        names = ", ".join(p.name for p in gone) or "nothing"
        typer.echo(f"demo: removing the previous demo lake in {home} ({names}) and {settings.keystore}{kept}")
    for path in [*gone, settings.keystore]:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    (home / DEMO_MARK).touch()


@app.command()
def demo(
    quarter: Annotated[str, typer.Option(help="Fiscal quarter to simulate.")] = DEMO_QUARTER,
    devices: Annotated[
        int,
        typer.Option(help="Devices in the synthetic population (the oita scale: about 20,000 a weekday)."),
    ] = OITA_POPULATION,
) -> None:
    """Simulate a fiscal quarter of the sample city (realistic logs of several vendors), run every
    night and publish the release."""
    from pipeline.ops import nightly
    from pipeline.movement.model import Movement
    from pipeline.calendar import FiscalQuarter
    from pipeline.release import publish
    from pipeline.ingest.registry import load_registry
    from pipeline.sim.logs import SCENARIOS, sources_csv
    from pipeline.sim import city

    started = time.monotonic()
    settings = load_settings()
    fq = FiscalQuarter.parse(quarter)
    _fresh_demo_home(settings)
    registry = load_registry(settings.registry)
    if settings.sources is None:  # one simulated AP keeps its clock on UTC: the city says so
        settings = settings.with_(sources=sources_csv(registry, settings.home / "simulation" / "sources.csv"))
    # The city's controllers write a day's logs while earlier nights run: the simulator works
    # ahead in a thread, and each day's logs arrive in the inbox whole when its night starts.
    outbox = settings.home / "simulation" / "logs"
    days: queue.Queue[tuple[date | None, Any]] = queue.Queue()
    settings.inbox.mkdir(parents=True, exist_ok=True)

    def simulate_quarter():
        try:
            city.simulate(
                settings,
                registry,
                fq.first_day,
                fq.last_day,
                devices,
                noise=SCENARIOS["realistic"],
                outdir=outbox,
                on_day=lambda day, files: days.put((day, files)),
            )
        except BaseException as error:  # the night loop reports it
            days.put((None, error))

    threading.Thread(target=simulate_quarter, name="simulator", daemon=True).start()
    totals = {"events": 0, "devices": 0, "visits": 0, "trips": 0}
    for day in fq.days():
        simulated, files = days.get()
        if simulated != day:
            raise files if simulated is None else RuntimeError(f"simulated {simulated}, not {day}")
        for path in files:
            path.replace(settings.inbox / path.name)
        night = _run(nightly.run, settings, day, checked=False)
        totals["events"] += night.ingest.events
        if isinstance(night.movement, Movement):
            totals["devices"] += night.movement.devices
            totals["visits"] += night.movement.visits
            totals["trips"] += night.movement.trips
    release = _run(publish.publish, settings, fq)
    typer.echo(
        f"demo {fq}: {len(fq.days())} days, {totals['events']:,} events, "
        f"{totals['devices']:,} device-days, {totals['visits']:,} visits, {totals['trips']:,} trips\n"
        f"release: {release.path}\n  suppressed cells: {release.suppressed}\n"
        f"elapsed: {time.monotonic() - started:.1f} s\n"
        f"overview: {release.path / 'index.html'}\n"
        f"heat map: {release.heat_map}\nflow map: {release.flow_map}"
    )
