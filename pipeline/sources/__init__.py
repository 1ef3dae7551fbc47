"""Log formats: each module recognises one format; sql/sources/<NAME>.sql parses it.

A format module has NAME, `sniff(first_lines) -> bool` and optionally `variables(first_lines)`
(extra SQL variables). Its SQL builds the view `parsed` (record, line, ts, ap_name, ap_mac, mac,
kind, rssi, duration_s, reason) over the view `raw_lines`; `read` turns that into the temp table
`resolved` (AP, service day and fate of every record) in one streaming pass over the file.
"""

from __future__ import annotations

import gzip
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from pipeline import lake
from pipeline.config import Settings
from pipeline.registry import Registry
from pipeline.sources import (aruba_stm, cisco_wlc, generic_csv, generic_jsonl, hostapd,
                              meraki_scanning, meraki_syslog, radius_detail, unifi)

# Most specific first: detection takes the first format that recognises a file.
FORMATS = {module.NAME: module for module in (
    radius_detail, meraki_scanning, generic_jsonl, generic_csv, meraki_syslog, aruba_stm,
    cisco_wlc, unifi, hostapd)}
SNIFF_LINES = 20
OLDEST = datetime(2000, 1, 1)
_DAY_IN_NAME = re.compile(r"(20\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])")


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


def year_hint(path: Path, day: date | None, tz) -> date:
    """The day a file's yearless times are read near: the given day, else a date in the file's
    name (20240401, 2024-04-01), else the day of its modification time."""
    if day:
        return day
    found = _DAY_IN_NAME.search(path.name)
    if found:
        try:
            return date(*map(int, found.groups()))
        except ValueError:
            pass
    return datetime.fromtimestamp(path.stat().st_mtime, tz).date()


def read(con, settings: Settings, registry: Registry, path: Path, fmt: str, hint: date) -> None:
    """Build the temp table `resolved` for one file in a fresh connection."""
    module = FORMATS[fmt]
    first = first_lines(path)
    variables = {
        "ingest_path": str(path), "tz": settings.tz, "day_start_hour": settings.day_start_hour,
        "year_hint": hint, "file_stem": path.name.split(".")[0], "json_whole": False,
        # Times decades off, or beyond tomorrow, cannot be real: they are quarantined.
        "oldest_ts": OLDEST.replace(tzinfo=settings.zone),
        "newest_ts": datetime.now(settings.zone) + timedelta(days=1),
        **(module.variables(first) if hasattr(module, "variables") else {}),
    }
    for name, value in variables.items():
        con.execute(f"set variable {name} = ?", [value])  # names are ours, values bound
    con.register("aps", registry.aps)
    con.register("ap_macs", registry.ap_macs)
    con.execute(lake.sql_text("staging/raw_lines"))
    con.execute(lake.sql_text(f"sources/{fmt}"))
    con.execute(lake.sql_text("staging/resolved"))
    if con.execute("select count(*) from raw_rejects").fetchall()[0][0]:
        con.execute(lake.sql_text("staging/renumbered"))
