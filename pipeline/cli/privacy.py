"""`footfall optout`: the opt-out denylist (keyed hashes of MACs only, never echoed)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pipeline.cli.common import _run, app
from pipeline.config import load_settings

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
