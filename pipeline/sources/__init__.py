"""Log formats: each module turns the raw lines of one format into parsed records.

A format module has NAME, `sniff(first_lines) -> bool` and an SQL file sql/sources/<NAME>.sql that
builds the temp table `parsed` (record, line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s,
reason) from the temp table `raw_lines`.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from pipeline.sources import meraki_syslog

FORMATS = {module.NAME: module for module in (meraki_syslog,)}
SNIFF_LINES = 20


class UnknownFormatError(ValueError):
    """No supported format recognises the file."""


def first_lines(path: Path, n: int = SNIFF_LINES) -> list[str]:
    """The first n lines of a plain or gzip file, decoded leniently."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    lines = []
    try:
        with opener(path, "rb") as handle:
            for raw in handle:
                lines.append(raw[:4096].decode("utf-8", errors="replace"))
                if len(lines) >= n:
                    break
    except (OSError, EOFError):
        pass  # a truncated gzip still shows its first lines
    return lines


def detect(path: Path) -> str:
    """The name of the format of a file, from its first lines."""
    lines = first_lines(path)
    for name, module in FORMATS.items():
        if module.sniff(lines):
            return name
    raise UnknownFormatError(
        f"{path.name}: no supported log format recognised in its first {SNIFF_LINES} lines; "
        f"supported: {', '.join(sorted(FORMATS))}. Pass --format to force one."
    )
