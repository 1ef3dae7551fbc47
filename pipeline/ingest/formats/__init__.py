"""Log formats: each module recognises one format; sql/ingest/formats/<NAME>.sql parses it.

A format module has NAME, `sniff(first_lines) -> bool` and optionally `variables(first_lines)`
(extra SQL variables). Its SQL builds the view `parsed` (record, line, ts, ap_name, ap_mac, mac,
kind, rssi, duration_s, reason) over the view `raw_lines`. `resolve_blocks` reads a file block by
block (about BLOCK_BYTES each, cut at a line end) and turns each block into the temp table
`resolved` (AP, service day and fate of every record): memory holds one block, whatever the size
of the file. Lines are numbered from 1 across the file.

A format whose records span lines, or that needs state across the file, says so:
- `CUT`: what a block must end with (default a line end; RADIUS: a blank line, so that a record
  never spans two blocks); `cut(first_lines)` may decide per file (None: one block);
- sql/ingest/formats/<NAME>_carry.sql runs after each block (it keeps what the file's end needs);
  when the module's `replay_needed(con)` says so, the file is read again with
  sql/ingest/formats/<NAME>_replay.sql after each block; sql/ingest/formats/<NAME>_finish.sql builds a last
  `parsed` from what was kept (RADIUS: the resets of a NAS are kept; only a file with one is read
  again, for the sessions of that NAS, and the finish adds the stops the resets implied).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline import lake
from pipeline.config import Settings
from pipeline.ingest.masking import safe_name
from pipeline.ingest.sources import SourcesError, load_sources
from pipeline.lake.sql import check_variables
from pipeline.ingest.registry import Registry
from pipeline.ingest.formats import (
    aruba_stm,
    cisco_wlc,
    generic_csv,
    generic_jsonl,
    hostapd,
    meraki_scanning,
    meraki_syslog,
    radius_detail,
    syslog,
    unifi,
)

__all__ = ["SourcesError", "load_sources"]  # the sources file is read with the formats

# Most specific first: detection takes the first format that recognises a file.
FORMATS = {
    module.NAME: module
    for module in (
        radius_detail,
        meraki_scanning,
        generic_jsonl,
        generic_csv,
        meraki_syslog,
        aruba_stm,
        cisco_wlc,
        unifi,
        hostapd,
        syslog,
    )
}
# Syslog formats: a file of any of them is routed line by line (sql/ingest/staging/routed.sql), so one
# file may hold several formats and other programs' lines (ignored, counted by program).
ROUTED = ("meraki_syslog", "aruba_stm", "cisco_wlc", "unifi", "hostapd")
SNIFF_LINES = 20
LINE_ENDS = (b"\n", b"\r")  # LF first: a CR ends a block only where no LF is in sight
BLOCK_BYTES = 16 << 20  # a block of the file in memory at a time (with its parsed records)
MAX_LINE_BYTES = 1 << 20  # a longer line is quarantined (line_size_over_maximum), unless its
# format allows more (MAX_LINE_BYTES of its module: a Scanning API post of thousands of sightings)
BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark (Excel, Windows tools): skipped before line 1
_SPLIT = dict(  # pyarrow's CSV reader as a parallel line splitter: one binary column, no quoting
    read_options=pacsv.ReadOptions(column_names=["bytes"], block_size=8 << 20),
    parse_options=pacsv.ParseOptions(
        delimiter="\x1f", quote_char=False, escape_char=False, ignore_empty_lines=False
    ),
    convert_options=pacsv.ConvertOptions(
        column_types={"bytes": pa.large_binary()}, strings_can_be_null=False, quoted_strings_can_be_null=False
    ),
)
OLDEST = datetime(2000, 1, 1)
RAW_LINES = lake.sql_text("ingest/staging/raw_lines")
ROUTED_LINES = lake.sql_text("ingest/staging/routed")
_CANONICAL = (
    "create or replace temp view {view} as select cast(getvariable('fmt') as varchar) "
    "as source, record, ts, ap_name, ap_mac, mac, kind, rssi, duration_s, reason, program, "
    "event, host, naive, {own} as own from parsed"
)
_AS_CANONICAL = _CANONICAL.format(view="parsed_out", own="true")
# A syslog block read straight as the file's own format: `own` says whether each line routes to
# that format (syslog_route), tested on the line the parse has decoded anyway.
_STRAIGHT = _CANONICAL.format(
    view="parsed_out",
    own="coalesce(syslog_route(line, getvariable('file_fmt')) = getvariable('file_fmt'), false)",
)
_DAY_IN_NAME = re.compile(r"(20\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])")


class UnknownFormatError(ValueError):
    """No supported format recognises the file."""


def _open(path: Path):
    """A plain or gzip file, opened for binary reading."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def first_lines(path: Path, n: int = SNIFF_LINES) -> list[str]:
    """The first n lines of a plain or gzip file, decoded leniently (a UTF-8 BOM skipped)."""
    lines: list[str] = []
    try:
        with _open(path) as handle:
            for raw in handle:
                raw = raw if lines else raw.removeprefix(BOM)
                lines.append(raw[:4096].decode("utf-8", errors="replace"))
                if len(lines) >= n:
                    break
    except (OSError, EOFError):
        pass  # a truncated gzip still shows its first lines
    return lines


def detect(path: Path) -> str:
    """The name of the format of a file, from its first lines."""
    name = detect_lines(first_lines(path))
    if name:
        return name
    raise UnknownFormatError(
        f"{safe_name(path.name)}: no supported log format recognised in its first {SNIFF_LINES} lines; "
        f"supported: {', '.join(sorted(FORMATS))}. Pass --format to force one."
    )


def year_hint(path: Path, day: date | None, tz: tzinfo | None) -> date:
    """The day a file's yearless times are read near: the given day, else a date in the file's
    name (20240401, 2024-04-01), else the day of its modification time."""
    return day or day_in_name(path.name) or datetime.fromtimestamp(path.stat().st_mtime, tz).date()


def day_in_name(name: str) -> date | None:
    """The date a file's name holds (20240401, 2024-04-01), if any."""
    found = _DAY_IN_NAME.search(name)
    if found:
        try:
            return date(*map(int, found.groups()))
        except ValueError:
            pass
    return None


def _end_of_last(data: bytes, cuts: tuple[bytes, ...]) -> int:
    """Where the data can be cut: just after the last occurrence of the first of `cuts` that
    occurs in it (in order of preference), or -1. Never just after a CR that ends the data: what
    comes next is not read yet, and may be the LF of a CRLF."""
    for cut in cuts:
        within = len(data) - 1 if cut.endswith(b"\r") else len(data)
        if (at := data.rfind(cut, 0, within)) >= 0:
            return at + len(cut)
    return -1


def blocks(path: Path, cut: tuple[bytes, ...] | None, size: int | None = None) -> Iterator[bytes]:
    """The bytes of a file in blocks of about `size`, each ending just after one of `cut` (the last
    block: the rest of the file); cut=None: the whole file as one block. Where no cut comes within
    4 blocks (a malformed file: a RADIUS file without blank lines, binary garbage without line
    ends), a block ends at a line end, or else anywhere: memory stays bounded, and what is broken
    there is quarantined."""
    carry, size, start = b"", size or BLOCK_BYTES, True
    with _open(path) as handle:
        while data := handle.read(size):
            data = carry + data if carry else data.removeprefix(BOM) if start else data
            start = False
            end = _end_of_last(data, cut) if cut else -1
            if end < 0 and cut and len(data) > 4 * size:
                end = _end_of_last(data, LINE_ENDS)
                end = end if end > 0 else len(data)
            if end < 0:
                carry = data  # no cut in sight yet: read on
                continue
            carry = data[end:]
            yield data[:end]
    if carry:
        yield carry


def numbered_lines(block: bytes, first: int) -> pa.Table:
    """The lines of a block (without their line ends: LF, CRLF or CR) numbered from `first`:
    (record, bytes).

    pyarrow's CSV reader splits the block on both cores; a block it refuses (a line holding the
    unit separator, or longer than its 8 MB window) is split by a regex instead, alike.
    """
    if not block:
        lines = pa.chunked_array([], pa.large_binary())
    else:
        try:
            lines = pacsv.read_csv(pa.py_buffer(block), **_SPLIT).column("bytes")
        except pa.ArrowInvalid:
            parts = re.split(rb"\r\n|\n|\r", block)
            parts = parts[:-1] if not parts[-1] else parts  # the last line's end ends no line
            lines = pa.chunked_array([pa.array(parts, pa.large_binary())])
    records = pa.chunked_array([np.arange(first, first + len(lines), dtype=np.int64)])
    return pa.table({"record": records, "bytes": lines})


def _variables(settings: Settings, module, path: Path, fmt: str, hint: date, first: list[str]) -> dict:
    routes = [fmt] if fmt in ROUTED and fmt != detect_lines(first) else list(ROUTED)
    return {
        "ingest_path": str(path),
        "tz": settings.tz,
        "day_start_hour": settings.day_start_hour,
        "year_hint": hint,
        "file_stem": path.name.split(".")[0],
        "json_whole": False,
        "max_line_bytes": getattr(module, "MAX_LINE_BYTES", MAX_LINE_BYTES),
        "fmt": fmt,
        "file_fmt": fmt,
        "routes": routes,  # fmt changes per format within a routed block
        "routed_feed": fmt in ROUTED or fmt == "syslog",  # another program's unreadable line is ignored
        # Times decades off, or beyond tomorrow, cannot be real: they are quarantined.
        "oldest_ts": OLDEST.replace(tzinfo=settings.zone),
        "newest_ts": datetime.now(settings.zone) + timedelta(days=1),
        **(module.variables(first) if hasattr(module, "variables") else {}),
    }


def resolve_blocks(
    con: duckdb.DuckDBPyConnection, settings: Settings, registry: Registry, path: Path, fmt: str, hint: date
) -> Iterator[int]:
    """Build the temp table `resolved` for each block of a file in turn (yielding its number);
    for a format with a finish step, a last `resolved` holds what the whole file implied."""
    module = FORMATS[fmt]
    first = first_lines(path)
    known = load_sources(settings.sources)
    clocks = any(known.column("tz").drop_null().to_pylist())
    # the names the registry finds an AP by (AP名, AP_ID): a RADIUS NAS-Identifier is tried by them
    names = sorted(
        {*registry.aps.column("ap_name").drop_null().to_pylist(), *registry.aps.column("ap_id").to_pylist()}
    )
    variables = {**_variables(settings, module, path, fmt, hint, first), "clocks": clocks, "ap_names": names}
    for name, value in variables.items():
        con.execute(f"set variable {name} = ?", [value])  # names are ours, values bound
    check_variables(con, block_sql(fmt))  # these files run straight, not through lake.run
    con.register("aps", registry.aps)
    con.register("ap_macs", registry.ap_macs)
    con.register("sources_file", known)
    con.execute(
        "create or replace temp view source_aps as select s.source, s.tz, a.ap_id "
        "from sources_file as s left join aps as a on a.ap_id = s.ap or a.ap_name = s.ap"
    )
    cut = module.cut(first) if hasattr(module, "cut") else getattr(module, "CUT", LINE_ENDS)
    resolved = lake.sql_text("ingest/staging/resolved")
    con.execute(
        "create or replace temp table ignored_lines (reason varchar, program varchar, n bigint)"
    )  # a routed block's other programs
    if fmt in ROUTED or fmt == "syslog":
        # read straight while blocks are all of the file's format, from the first if its first lines are
        state = {"straight": fmt in FORMAT_SQL and fmt in variables["routes"] and _all_own(con, first)}
        for number, lines in enumerate(_numbered_blocks(path, cut)):
            _run_routed(con, lines, resolved, fmt, state)
            del lines
            yield number
        return
    parse, carry, replay, finish = (
        _optional_sql(f"ingest/formats/{fmt}{step}") for step in ("", "_carry", "_replay", "_finish")
    )
    number = -1
    for number, lines in enumerate(_numbered_blocks(path, cut)):
        _run_block(con, lines, parse, _AS_CANONICAL, resolved, carry)
        del lines  # not held while the block's events are written
        yield number
    if finish and number >= 0:
        if getattr(module, "replay_needed", lambda con: False)(con):
            for lines in _numbered_blocks(path, cut):
                _run_block(con, lines, parse, replay)
        _run_block(con, numbered_lines(b"", 1), finish, _AS_CANONICAL, resolved)
        yield number + 1


def block_sql(fmt: str) -> list[str]:
    """The sql/ files a file of this format runs block by block (its variables set once)."""
    staging = [f"ingest/staging/{name}" for name in ("raw_lines", "resolved")]
    formats = list(ROUTED) if fmt in ROUTED or fmt == "syslog" else [fmt]
    steps = ("", "_carry", "_replay", "_finish")
    own = [f"ingest/formats/{f}{step}" for f in formats for step in steps]
    routed = ["ingest/staging/routed"] * (fmt in ROUTED or fmt == "syslog")
    return staging + routed + [name for name in own if lake.sql_path(name).exists()]


def detect_lines(lines: list[str]) -> str | None:
    """The first format that recognises these lines, or None."""
    return next((name for name, module in FORMATS.items() if module.sniff(lines)), None)


def _run_routed(con, lines: pa.Table, resolved: str, fmt: str, state: dict) -> None:
    """Route a block of a syslog feed: each format present parses its own lines, other programs'
    lines are labelled; together they are `parsed_out`, then `resolved`.

    While state["straight"] (the blocks before were all of the file's own format), a block is
    read straight, as one format's file: the same records, without copying every line into
    `routed`, the views made once for the blocks that follow (state["views"]), and each line's
    route tested beside its parse (`own`: no second decode of the lines). A block where a line
    of another format or program turns up is routed after all, and so are the blocks after it
    until one is all of the file's format again."""
    con.register("raw_block", lines)
    try:
        if state["straight"]:
            if not state.get("views"):
                con.execute("delete from ignored_lines")
                con.execute("set variable fmt = ?", [fmt])
                for sql in (RAW_LINES, FORMAT_SQL[fmt], _STRAIGHT):
                    con.execute(sql)
                state["views"] = True
            con.execute(resolved)
            if not con.execute("select count(*) from resolved where not own").fetchall()[0][0]:
                return
        state["straight"] = state["views"] = False  # routed.sql redefines raw_lines
        con.execute(RAW_LINES)
        con.execute(ROUTED_LINES)
        one_format = _parse_routed(con) == [fmt]
        con.execute(resolved)
        state["straight"] = one_format and fmt in FORMAT_SQL and not _ignored(con)
    finally:
        con.unregister("raw_block")


def _all_own(con, lines: list[str]) -> bool:
    """Whether these lines (the file's first) all route to the file's own format (syslog_route):
    an unfiltered feed is routed from its first block, not parsed straight first."""
    return con.execute(
        "select coalesce(bool_and(coalesce(syslog_route(line, getvariable('file_fmt')) = "
        "getvariable('file_fmt'), false)), true) from unnest(?::varchar[]) as t(line)",
        [[line.rstrip("\r\n") for line in lines]],
    ).fetchall()[0][0]


def _ignored(con) -> int:
    """The routed block's lines of other programs (and empty ones)."""
    return con.execute("select coalesce(sum(n), 0) from ignored_lines").fetchall()[0][0]


def _parse_routed(con) -> list[str]:
    """The routed block's other programs counted (`ignored_lines`), each format present parsed
    from its own lines, and all of them as `parsed_out`; returns the formats present."""
    # other programs' lines are only counted, by program: they never reach `resolved`
    con.execute(
        "create or replace temp table ignored_lines as "
        "select reason, program, count(*) as n from routed where fmt is null group by all"
    )
    present = [
        f
        for (f,) in con.execute(
            "select distinct fmt from routed where fmt is not null order by fmt"
        ).fetchall()
    ]
    if len(present) > 1:  # each format's records are kept while the next is read
        con.execute("create or replace temp table parsed_all as select * from routed_foreign where false")
    for name in present:
        con.execute("set variable fmt = ?", [name])
        con.execute(
            "create or replace temp view raw_lines as "
            "select record, line from routed where fmt = getvariable('fmt')"
        )
        con.execute(FORMAT_SQL[name])
        con.execute(_CANONICAL.format(view="parsed_fmt", own="true"))
        if len(present) > 1:
            con.execute("insert into parsed_all by name select * from parsed_fmt")
    con.execute(
        "create or replace temp view parsed_out as select * from parsed_all"
        if len(present) > 1
        else "create or replace temp view parsed_out as select * from routed_foreign where false"
        if not present
        else "create or replace temp view parsed_out as select * from parsed_fmt"
    )
    return present


def _optional_sql(name: str) -> str | None:
    """The checked text of sql/<name>.sql, or None where the format has no such step."""
    return lake.sql_text(name) if lake.sql_path(name).exists() else None


FORMAT_SQL = {name: _optional_sql(f"ingest/formats/{name}") for name in ROUTED}


def _numbered_blocks(path: Path, cut: tuple[bytes, ...] | None) -> Iterator[pa.Table]:
    """The file's blocks as numbered lines (numbered across the file)."""
    record = 1
    for block in blocks(path, cut):
        lines = numbered_lines(block, record)
        record += lines.num_rows
        yield lines


def _run_block(con, lines: pa.Table, *steps: str | None) -> None:
    """Register the lines as raw_block, read them (staging/raw_lines), then run each step given:
    the format's parse (the view `parsed`), its canonical columns, staging/resolved, or the
    format's carry / replay."""
    con.register("raw_block", lines)
    try:
        for sql in (RAW_LINES, *steps):
            if sql:
                con.execute(sql)
    finally:
        con.unregister("raw_block")
