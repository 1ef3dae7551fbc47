"""What every command of `footfall` shares: the Typer app, its callback, day parsing, and
running a pipeline function with its known errors as one line (exit 1).

Exit codes: 0 done, 1 failed (the message says what to do), 2 usage error.
"""

from __future__ import annotations

import logging
import sys
from datetime import date
from typing import Annotated

import typer

from pipeline.config import load_settings, private_files

app = typer.Typer(
    help="wifi-footfall: public Wi-Fi logs -> privacy-safe footfall and flow data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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
    from pipeline.ingest.formats import SourcesError, UnknownFormatError
    from pipeline.ingest.actions import ActionError
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
        SourcesError,
        ActionError,
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
