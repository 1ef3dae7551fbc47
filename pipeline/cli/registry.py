"""`footfall registry`: load a version of the access-point registry, show what is in force."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import _day, _run, app
from pipeline.config import load_settings

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
