"""`footfall basemap`: a base-map layer of the maps from the city's own GIS export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import _fail, app
from pipeline.config import load_settings


@app.command()
def basemap(
    layer: Annotated[str, typer.Argument(help="city, districts, coast, rivers, roads, railways, stations.")],
    source: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage or Shapefile, any CRS.")],
    credit: Annotated[
        str | None,
        typer.Option("--source", help="Source and licence of the file, shown on the maps and in SOURCES."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding of a Shapefile's names (e.g. cp932), when it has no .cpg."),
    ] = None,
) -> None:
    """Replace a base-map layer of the maps with the city's own GIS export (from the next release)."""
    from maps.basemap import LAYERS, BasemapError, import_layer

    if layer not in LAYERS:
        raise typer.BadParameter(
            f"unknown layer {layer!r}: choose one of {', '.join(LAYERS)}", param_hint="LAYER"
        )
    try:
        done = import_layer(layer, source, load_settings().basemap, credit=credit, encoding=encoding)
    except BasemapError as error:
        _fail(str(error))
    typer.echo(
        f"{done['layer']}: {done['features']} features, {done['bytes']:,} bytes "
        f"(simplified {done['tolerance_deg']:g} deg); name from {done['name_field'] or 'none'}; "
        f"text read as {done['encoding']}"
    )
