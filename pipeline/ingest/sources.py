"""The log sources file (FOOTFALL_SOURCES, docs/formats.md): a syslog host, controller or NAS
with its own clock and, for a source serving one site, its AP; checked whole when it is read, so
that a wrong row is said once, with its line, before any log file is read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline.ingest.masking import mask_macs

SOURCES_SCHEMA = pa.schema([("source", pa.string()), ("tz", pa.string()), ("ap", pa.string())])


class SourcesError(ValueError):
    """The log sources file (FOOTFALL_SOURCES) cannot be used: the message names its line."""


def load_sources(path: Path | None) -> pa.Table:
    """The log sources file (CSV: source,tz,ap): a syslog host, controller or NAS with its own
    clock (an IANA zone) and, for a source serving one site, the AP (AP_ID or AP名) its AP-less
    client events count at. No file: no rows."""
    if path is None:
        return SOURCES_SCHEMA.empty_table()
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in SOURCES_SCHEMA.names},
                include_columns=SOURCES_SCHEMA.names,
                include_missing_columns=True,
            ),
        ).cast(SOURCES_SCHEMA)
    except (OSError, pa.ArrowInvalid) as error:
        raise SourcesError(
            f"the log sources file {path} (FOOTFALL_SOURCES) cannot be read as CSV source,tz,ap: "
            f"{mask_macs(str(error))[:200]}"
        ) from None
    _check_zones(path, table.column("tz").to_pylist())
    return table


def _check_zones(path: Path, zones: list[str | None]) -> None:
    """Every zone of the sources file is one DuckDB knows (as it reads the stamps in it)."""
    con = duckdb.connect()
    try:
        known = {name for (name,) in con.execute("select name from pg_timezone_names()").fetchall()}
    finally:
        con.close()
    for row, zone in enumerate(zones, start=2):  # line 1 is the header
        if zone is not None and zone.strip() and zone not in known:
            raise SourcesError(
                f"the log sources file {path} (FOOTFALL_SOURCES), line {row}: tz {zone[:40]!r} is "
                "not an IANA time zone (e.g. Asia/Tokyo, UTC, Europe/Berlin); correct it or leave "
                "it empty (the city's zone, FOOTFALL_TZ), then run again."
            )
