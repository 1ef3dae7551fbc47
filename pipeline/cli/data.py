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
