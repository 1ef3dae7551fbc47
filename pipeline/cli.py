"""The `footfall` command: thin Typer entry points over the pipeline functions.

Exit codes: 0 done, 1 failed (the message says what to do), 2 usage error.
"""

from __future__ import annotations

import logging
import queue
import shutil
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.config import OITA_POPULATION, load_settings, private_files

app = typer.Typer(
    help="wifi-footfall: public Wi-Fi logs -> privacy-safe footfall and flow data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every step.")] = False) -> None:
    private_files()  # files 0600, folders 0700, whatever the shell's umask
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _write_rows(out, table) -> None:
    """The rows of an Arrow table through a csv.writer, NULL as an empty field."""
    for row in zip(*(table.column(c).to_pylist() for c in table.column_names)):
        out.writerow(["" if v is None else v for v in row])


def _known_errors():
    from pipeline.ingest.reader import IngestError, MemoryLimitError
    from pipeline.lake import DiskFullError
    from pipeline.release.publish import NothingToPublishError
    from pipeline.marts.quality_report import QualityGateError
    from pipeline.ingest.pseudonym import KeyDestroyedError
    from pipeline.ingest.registry import RegistryError
    from pipeline.ingest.formats import UnknownFormatError
    from pipeline.ops.stages import NoDataError
    from pipeline.ops.integrity import CorruptPartitionError
    from pipeline.ingest.optout import OptOutKeyError
    from pipeline.release.budget import BudgetLedgerError
    from pipeline.lake.catalog import CatalogError
    from pipeline.lake.locks import DayBusyError
    from pipeline.ingest.pseudonym import KeyLostError
    from pipeline.release.ledger import LedgerError
    from maps.figures import FontMissing

    return (
        FontMissing,
        LedgerError,
        NothingToPublishError,
        KeyDestroyedError,
        RegistryError,
        UnknownFormatError,
        NoDataError,
        FileNotFoundError,
        IngestError,
        QualityGateError,
        DiskFullError,
        CorruptPartitionError,
        MemoryLimitError,
        CatalogError,
        DayBusyError,
        KeyLostError,
        OptOutKeyError,
        BudgetLedgerError,
    )


def _run(func, *args, checked: bool = True):
    """Run a command's function, its known errors as one line; checked: after the start-of-run
    checks (leftovers of killed runs, the catalog and the keystore against the lake)."""
    from pipeline.lake import disk_guard
    from pipeline.ops.recovery import preflight

    settings = load_settings()
    try:
        with disk_guard(f"footfall {func.__name__}", settings.home):
            if checked:
                preflight(settings)
            return func(*args)
    except _known_errors() as error:
        _fail(str(error))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Log files (plain or .gz) to land.")],
    day: Annotated[
        str | None,
        typer.Option(help="Service day the files belong to, YYYY-MM-DD (year for formats without one)."),
    ] = None,
) -> None:
    """Land log files (checksummed; a file seen before is skipped) and ingest them."""
    from pipeline.ops import stages

    settings = load_settings()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        _fail(f"no such file: {', '.join(missing)}")
    landed, totals = _run(stages.ingest_paths, settings, paths, _day(day) if day else None)
    typer.echo(
        f"landed {len(landed)} new file(s); ingested {totals.files}: "
        f"{totals.events:,} events, {totals.quarantined:,} quarantined, "
        f"days {', '.join(totals.days) or '-'}"
    )


@app.command()
def parse(
    files: Annotated[list[Path], typer.Argument(help="Log files (plain or .gz) to parse.")],
    registry: Annotated[
        Path,
        typer.Option(help="Registry CSV (推奨データセット + AP_ID, AP名, AP_MAC) to resolve access points."),
    ],
    format: Annotated[str, typer.Option("--format", help="auto, or one of the format names.")] = "auto",
    tz: Annotated[str | None, typer.Option(help="Time zone of times written without one.")] = None,
    day: Annotated[str | None, typer.Option(help="Day for formats without a year.")] = None,
) -> None:
    """Print a file's canonical events as CSV (stdout) and what else it held (stderr): ignored
    records by program / type and quarantined ones by reason.

    Columns: ts,ap_id,device,kind,rssi,duration_s,source,record; ts in UTC ending in Z; device the
    16-hex pseudonym under a throwaway key (one MAC in any spelling is one device). Nothing is
    stored. Exit 0 when the files were read (quarantined records included), 1 when one could not be.
    """
    import csv
    import secrets

    from pipeline.ingest.reader import IngestError, parse_file
    from pipeline.ingest.registry import RegistryError, load_registry
    from pipeline.ingest.formats import FORMATS, UnknownFormatError

    if format != "auto" and format not in FORMATS:
        raise typer.BadParameter(f"unknown format {format!r}; one of: auto, {', '.join(sorted(FORMATS))}")
    try:
        settings = load_settings()
        settings = settings.with_(tz=tz) if tz else settings
        reg = load_registry(registry)
    except (ValueError, RegistryError) as error:
        _fail(str(error))
    key = secrets.token_bytes(32)  # throwaway: never stored, gone with the process
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["ts", "ap_id", "device", "kind", "rssi", "duration_s", "source", "record"])
    failed = False
    for path in files:
        try:
            events, counts = parse_file(
                settings, reg, path, None if format == "auto" else format, _day(day) if day else None, key
            )
        except (IngestError, UnknownFormatError, OSError) as error:
            typer.echo(f"error: {path}: {error}", err=True)
            failed = True
            continue
        _write_rows(out, events)
        typer.echo(_file_figures(path, events.num_rows, counts), err=True)
    sys.stdout.flush()
    if failed:
        raise typer.Exit(1)


def _file_figures(path: Path, events: int, counts: dict) -> str:
    """One file's figures: events, ignored by program / type, quarantined by reason."""
    from pipeline.ingest.run import no_events_warning
    from pipeline.ingest.masking import safe_name

    def listed(figures: dict) -> str:
        return ", ".join(f"{k}={v}" for k, v in figures.items()) or "none"

    text = (
        f"{safe_name(str(path))} ({counts['format']}): {events} events; ignored {counts['ignored']}: "
        f"{listed(counts['ignored_by'])}; quarantined {sum(counts['quarantined'].values())}: "
        f"{listed(counts['quarantined'])}"
    )
    if not events:
        usable = counts["records"] - counts["ignored"]
        text += "\nWARNING: " + no_events_warning(safe_name(path.name), usable, counts["ignored"])
    return text


@app.command()
def show(
    what: Annotated[str, typer.Argument(help="visits or trips")],
    day: Annotated[str, typer.Option(help="Service day that was run, YYYY-MM-DD.")],
) -> None:
    """Print a processed day's visits or trips as CSV, with pseudonyms of that day.

    visits: device,site_id,site_name,start,end,dwell_s
    trips:  device,origin_site_id,origin_site_name,dest_site_id,dest_site_name,depart,arrive,travel_s
    Times are ISO-8601 UTC ending in Z; device is the 16-hex pseudonym; site_name is 名称.
    """
    import csv

    from pipeline.ops import stages

    if what not in ("visits", "trips"):
        raise typer.BadParameter(f"{what!r}: show visits or trips")
    table = _run(stages.report, load_settings(), _day(day), what)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(table.column_names)
    _write_rows(out, table)


registry_app = typer.Typer(
    help="The access-point registry: load a version, show what is in force.", no_args_is_help=True
)
app.add_typer(registry_app, name="registry")


@registry_app.command("load")
def registry_load(
    path: Annotated[Path, typer.Argument(help="Registry CSV, UTF-8 (with or without BOM) or CP932.")],
    effective: Annotated[
        str, typer.Option(help="First service day it is in force, YYYY-MM-DD.")
    ] = "1970-01-01",
) -> None:
    """Validate a registry file and store it in the catalog, in force from --effective on."""
    from pipeline.ingest.registry import store

    registry = _run(store, load_settings(), path, _day(effective))
    typer.echo(
        f"registry {path.name}: {registry.aps.num_rows} access points at "
        f"{registry.sites.num_rows} sites, in force from {effective}"
    )


@registry_app.command("show")
def registry_show(
    day: Annotated[str | None, typer.Option(help="Show the registry in force on this day.")] = None,
) -> None:
    """List the sites and access points in force (on a day, or the latest)."""
    from pipeline.ingest.registry import registry_for

    registry = _run(registry_for, load_settings(), _day(day) if day else None)
    aps: dict[str, list[str]] = {}
    for ap in registry.aps.to_pylist():
        aps.setdefault(ap["site_id"], []).append(f"{ap['ap_id']} ({ap['ap_name']})")
    for site in registry.sites.to_pylist():
        typer.echo(
            f"{site['site_id']}  {site['site_name']}  [{site['lat']:.5f}, {site['lon']:.5f}]  "
            f"zone {site['zone_id']}{'  要配慮' if site['sensitive'] else ''}"
        )
        for ap in aps[site["site_id"]]:
            typer.echo(f"    {ap}")
    typer.echo(f"{registry.sites.num_rows} sites, {registry.aps.num_rows} access points")


optout_app = typer.Typer(
    help="The opt-out denylist: devices never counted (keyed hashes only).", no_args_is_help=True
)
app.add_typer(optout_app, name="optout")


@optout_app.command("add")
def optout_add(
    macs: Annotated[
        list[str] | None,
        typer.Argument(
            help="MAC addresses; none or '-': read them from stdin, one a line (keeps them out of the "
            "shell history)."
        ),
    ] = None,
) -> None:
    """Add devices to the denylist: from the next ingestion on, their records are dropped unread
    and only counted. Only a keyed hash of each MAC is stored; the MACs are never echoed."""
    from pipeline.ingest import optout

    texts = [m for m in (macs or []) if m != "-"]
    if not texts:
        texts = [line for line in sys.stdin.read().splitlines() if line.strip()]
    try:
        values = [optout.parse_mac(text) for text in texts]
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if not values:
        raise typer.BadParameter("no MAC address given (arguments or stdin)")
    added = _run(optout.add, load_settings(), values)
    typer.echo(
        f"{added} device(s) added to the opt-out denylist ({len(values) - added} already "
        "there); they are dropped from the next ingestion on"
    )


@optout_app.command("count")
def optout_count() -> None:
    """How many devices are on the denylist (nothing else can be read from it)."""
    from pipeline.ingest import optout

    typer.echo(f"{_run(optout.count, load_settings())} device(s) on the opt-out denylist")


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
def basemap(
    layer: Annotated[str, typer.Argument(help="city, districts, coast, rivers, roads, railways, stations.")],
    source: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage or Shapefile, any CRS.")],
) -> None:
    """Replace a base-map layer of the maps with the city's own GIS export (from the next release)."""
    from maps.basemap import BasemapError, import_layer

    try:
        done = import_layer(layer, source, load_settings().basemap)
    except BasemapError as error:
        _fail(str(error))
    typer.echo(
        f"{done['layer']}: {done['features']} features, {done['bytes']:,} bytes "
        f"(simplified {done['tolerance_deg']:g} deg); name from {done['name_field'] or 'none'}"
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
    if home.exists() and any(home.iterdir()) and not (home / DEMO_MARK).exists():
        _fail(
            f"{home} holds a lake that the demo did not make; set FOOTFALL_HOME to an empty "
            "directory for the demo."
        )
    for path in (home, settings.keystore):
        shutil.rmtree(path, ignore_errors=True)
    home.mkdir(parents=True)
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
