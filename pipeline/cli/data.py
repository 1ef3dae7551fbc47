"""`footfall ingest`, `parse` and `show`: log files in, a day's visits and trips out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import _day, _fail, _run, _write_rows, app
from pipeline.config import load_settings


@app.command("ingest")
def ingest_files(
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
    from pipeline.ingest.formats import FORMATS, UnknownFormatError, load_sources

    if format != "auto" and format not in FORMATS:
        raise typer.BadParameter(f"unknown format {format!r}; one of: auto, {', '.join(sorted(FORMATS))}")
    try:
        settings = load_settings()
        settings = settings.with_(tz=tz) if tz else settings
        reg = load_registry(registry)
        load_sources(settings.sources)  # a wrong row is said once, before any file is read
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


@app.command()
def reingest(
    files: Annotated[
        list[str] | None,
        typer.Argument(help="Landed files: the file id the messages print, or a file of the same content."),
    ] = None,
    day: Annotated[
        str | None, typer.Option(help="Every landed file with events of this service day.")
    ] = None,
    format: Annotated[str | None, typer.Option("--format", help="Read them as this format.")] = None,
    by: Annotated[str | None, typer.Option(help="Who asks (default: your login name).")] = None,
) -> None:
    """Read landed files again with the registry in force now (after `footfall registry load`):
    each file's staged events and quarantine are replaced, never added twice; logged in the
    catalog. Then run the night of each day it names (`footfall nightly --day D`)."""
    from pipeline.ingest.actions import operator
    from pipeline.ops import stages

    if not files and not day:
        raise typer.BadParameter("give file ids (or files) to read again, or --day D")
    settings = load_settings()
    done = _run(stages.reingest, settings, files or [], _day(day) if day else None, operator(by), format)
    for f in done.files:
        typer.echo(f"read again {f.file_id}: {f.events:,} events, {f.quarantined:,} quarantined")
    nights = " && ".join(f"footfall nightly --day {d}" for d in done.days) or "-"
    typer.echo(f"days to build again: {', '.join(done.days) or '-'}; now run: {nights}")


@app.command()
def accept(
    file_id: Annotated[str, typer.Argument(help="The file id the night's message names.")],
    reason: Annotated[str, typer.Option(help="Why the file is good enough as it is (kept in the catalog).")],
    by: Annotated[str | None, typer.Option(help="Who decides (default: your login name).")] = None,
) -> None:
    """Accept a file whose quarantined share passed FOOTFALL_MAX_QUARANTINE_RATE as it is: the
    nights of its days build with its good records (recorded with who, when and why)."""
    from pipeline.ingest.actions import accept as accept_file, file_ids, operator

    settings = load_settings()
    ids = _run(file_ids, settings, [file_id])
    rate = _run(accept_file, settings, ids[0], reason, operator(by))
    typer.echo(
        f"accepted {ids[0]} with {rate:.1%} of its client records quarantined; "
        "run the night of its days again (`footfall nightly --day D`)"
    )
