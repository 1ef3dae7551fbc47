"""Reading a file block by block: each block's usable records pseudonymised under their day's
key and handed on as events, its rejects quarantined, opted-out devices dropped, and the
records counted by reason and by program / type."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline import lake
from pipeline.config import Settings
from pipeline.ingest import formats, pseudonym
from pipeline.ingest.masking import safe_labels
from pipeline.ingest.registry import Registry


def _pseudonymise(con, day: date, key: bytes, optout: dict | None = None) -> None:
    """Add the day's MACs of this block not seen in an earlier block to the table pseudonyms;
    a MAC on the opt-out denylist (table optout_hashes) gets none, so none of its records is staged."""
    denied = (
        " and pseudonym(r.mac, $opt_ipad, $opt_opad) not in (select hash from optout_hashes)"
        if optout
        else ""
    )
    con.execute(
        "insert into pseudonyms select distinct r.day, r.mac, pseudonym(r.mac, $ipad, $opad) "
        "from resolved as r anti join pseudonyms as p on p.day = r.day and p.mac = r.mac "
        "where r.reason is null and r.day = $day" + denied,
        {"day": day, **pseudonym.hmac_pads(key), **(optout or {})},
    )


def stage_blocks(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    registry: Registry,
    path: Path,
    fmt: str,
    hint: date,
    key_for: Callable[[date], bytes | None],
    events_sql: str,
    params: dict,
    emit: Callable[[date, pa.Table], None],
    quarantine: Callable[[pa.Table], None] | None = None,
    optout: tuple[pa.Table, dict] | None = None,
) -> dict:
    """Read a file block by block: each block's usable records, pseudonymised under key_for(day)
    (None: the day's key is destroyed, its records are quarantined), go to emit(day, events) as
    the Arrow result of sql/<events_sql>.sql; quarantined records to quarantine(rows); records of
    devices on the opt-out denylist (optout.denylist) are dropped and counted.
    Returns the file's counts: records, ignored, quarantined by reason, devices by day, opted out."""
    con.execute("create temp table pseudonyms (day date, mac ubigint, device ubigint)")
    keys: dict[date, bytes | None] = {}
    reasons: Counter[str] = Counter()
    ignored_by: Counter[str] = Counter()
    records, opted_out = 0, 0
    if optout:
        con.register("optout_hashes", optout[0])
    for _ in formats.resolve_blocks(con, settings, registry, path, fmt, hint):
        days = [
            d
            for (d,) in con.execute(
                "select distinct day from resolved where reason is null order by day"
            ).fetchall()
        ]
        for day in days:
            if day not in keys:
                keys[day] = key_for(day)
        closed = [day for day in days if keys[day] is None]
        if closed:  # a late file for a closed day: its records are quarantined, aggregates stay
            con.execute(
                "update resolved set reason = 'key_destroyed', "
                "ap_label = coalesce(ap_label, ap_id) "
                "where reason is null and list_contains(?, day)",
                [closed],
            )
        for day in days:
            key = keys[day]
            if key is not None:
                _pseudonymise(con, day, key, optout and optout[1])
                emit(day, lake.query(con, events_sql, {**params, "day": day}))
        if optout:  # usable records left without a pseudonym: those of opted-out devices
            opted_out += con.execute(
                "select count(*) from resolved as r anti join pseudonyms as p "
                "on p.day = r.day and p.mac = r.mac where r.reason is null"
            ).fetchall()[0][0]
            opted_out += _drop_opted_out(con, optout[1])
        held = sum(reasons.values())
        records += _count_block(con, reasons, ignored_by)
        if quarantine is not None and sum(reasons.values()) > held:  # the block quarantined some
            quarantine(lake.query(con, "ingest/staging/quarantine", params))
    # locally administered (randomised) MACs: bit 1 of the first octet; counted, never stored
    devices = {
        day: (n, randomised)
        for day, n, randomised in con.execute(
            "select day, count(*), count(*) filter ((mac >> 40) & 2 = 2) from pseudonyms group by day"
        ).fetchall()
    }
    return {
        "records": records,
        "ignored": sum(ignored_by.values()),
        "devices": devices,
        "quarantined": dict(sorted(reasons.items())),
        "ignored_by": _top(Counter(safe_labels(ignored_by))),  # made safe before the top are picked
        "opted_out": opted_out,
    }


_OPTED_OUT_REJECTS = (
    "from resolved where reason is not null and reason not in ('ignored', 'empty_line', 'opted_out') "
    "and mac is not null and pseudonym(mac, $opt_ipad, $opt_opad) in (select hash from optout_hashes)"
)


def _drop_opted_out(con, pads: dict) -> int:
    """Records of opted-out devices that would be quarantined (an unknown AP, a bad time) are
    dropped and counted too: an opted-out device leaves no trace (found by an outside audit)."""
    n = con.execute("select count(*) " + _OPTED_OUT_REJECTS, pads).fetchall()[0][0]
    if n:
        con.execute(
            "update resolved set reason = 'opted_out' where record in (select record "
            + _OPTED_OUT_REJECTS
            + ")",
            pads,
        )
    return n


IGNORED_KINDS = 40  # the programs / types of ignored lines named per file; the rest are "other"


def _count_block(con, reasons: Counter, ignored_by: Counter) -> int:
    """Add the block's quarantined records by reason and ignored ones by program / type;
    returns its number of records."""
    records = 0
    for reason, program, event, n in con.execute(
        # usable records only counted: grouping them by program and type would cost every line
        "select reason, program, event, count(*) from resolved where reason is not null "
        "group by all union all select null, null, null, count(*) from resolved where reason is null "
        "union all select reason, program, null, n from ignored_lines"
    ).fetchall():
        records += n
        if reason == "opted_out":
            continue  # counted as opted out, neither ignored nor quarantined
        if reason == "empty_line":
            ignored_by["empty line"] += n
        elif reason == "ignored":
            label = " ".join(filter(None, (program or "other", event)))
            ignored_by[label] += n
        elif reason is not None:  # quarantined
            reasons[reason] += n
    return records


def _top(counts: Counter) -> dict:
    """The most frequent IGNORED_KINDS labels, the rest summed as "other"."""
    top = dict(counts.most_common(IGNORED_KINDS))
    rest = sum(counts.values()) - sum(top.values())
    if rest:
        top["other"] = top.get("other", 0) + rest
    return dict(sorted(top.items()))
