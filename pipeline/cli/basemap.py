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
