"""Reading a city's GIS export for `footfall basemap`: the Shapefile pitfalls of Japanese GIS.

A Shapefile is several files (.shp, .shx, .dbf, ...) and a copy often misses one or stops short; its
.dbf carries no encoding unless a .cpg says so, and Japanese GIS write Shift_JIS (cp932) without
one, which GDAL then reads as Latin-1: the column 名称 and every name come out garbled.
"""

from __future__ import annotations

from pathlib import Path

FALLBACK = "cp932"  # Shift_JIS as Windows writes it: the usual Japanese GIS export
SHP_HEADER = 100


def check_complete(source: Path) -> str | None:
    """What is wrong with a Shapefile's set of files (a missing part, a .shp cut short), or None."""
    if source.suffix.lower() != ".shp":
        return None
    for part in (".shx", ".dbf"):
        if not any(source.with_suffix(s).exists() for s in (part, part.upper())):
            return (
                f"{source}: the Shapefile is incomplete: {source.with_suffix(part).name} is missing; "
                "copy every file of the export (.shp, .shx, .dbf, .prj, .cpg) into one folder"
            )
    with source.open("rb") as f:
        head = f.read(SHP_HEADER)
    declared = int.from_bytes(head[24:28], "big") * 2 if len(head) == SHP_HEADER else None
    size = source.stat().st_size
    if declared is None or size < declared:
        return (
            f"{source}: the Shapefile is damaged: {size:,} bytes where its header says "
            f"{declared or SHP_HEADER:,} (cut short in a copy?); copy or export it again"
        )
    return None


def garbled(frame, name_fields: tuple[str, ...]) -> bool:
    """True when no name column is found or names hold Latin-1 debris (a cp932 file read as Latin-1)."""
    field = next((c for c in name_fields if c in frame.columns), None)
    if field is None:
        return True
    text = "".join(str(v) for v in frame[field].dropna())
    return any("\x80" <= ch <= "\xff" or ch == "\ufffd" for ch in text)


def read(source: Path, name_fields: tuple[str, ...], encoding: str | None = None):
    """The frame and the encoding its text was read with: `encoding` if given; else the file's own
    (.cpg, or UTF-8 for GeoJSON/GeoPackage), retried as cp932 for a Shapefile without a .cpg whose
    names do not read."""
    import geopandas as gpd

    if encoding:
        return gpd.read_file(source, encoding=encoding), encoding
    frame = gpd.read_file(source)
    if source.suffix.lower() != ".shp":
        return frame, "UTF-8"
    cpg = next((source.with_suffix(s) for s in (".cpg", ".CPG") if source.with_suffix(s).exists()), None)
    if cpg:
        return frame, f"{cpg.read_text(errors='replace').strip()} (from {cpg.name})"
    if garbled(frame, name_fields):
        retry = gpd.read_file(source, encoding=FALLBACK)
        if not garbled(retry, name_fields):
            return retry, f"{FALLBACK} (no .cpg; the default did not read the names)"
    return frame, "ISO-8859-1 (no .cpg: GDAL's default)"
