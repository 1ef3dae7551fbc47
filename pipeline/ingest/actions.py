"""The operator's decisions on landed files, each logged in the catalog (`file_actions`: who, when,
why, the figures): read a file again with the registry in force now (`reingest`), accept a file
whose quarantined share passed the limit (`accept`); and the quarantine gate a night keeps
checking until one of them was made (`check_gate`).

A file over FOOTFALL_MAX_QUARANTINE_RATE stays over it in the catalog (its records, ignored and
quarantined counts are kept there): every night of a day it holds events of fails, naming it, its
share and the limit, until it is read again under a fixed registry and passes, or is accepted.
"""

from __future__ import annotations

import getpass
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline import lake
from pipeline.config import Settings
from pipeline.ingest import formats
from pipeline.ingest.masking import safe_name
from pipeline.ingest.reader import IngestError
from pipeline.ingest.run import IngestedFile, ingest_one
from pipeline.lake import catalog

_FILE_ID = re.compile(r"^[0-9a-f]{16}$")
# the quarantined share of a file's client records (records less the ignored ones), as ingest
# computes it (pipeline.ingest.run)
_RATE = "coalesce(quarantined / nullif(records - ignored, 0), 0.0)"


class ActionError(ValueError):
    """An operator action that cannot be done as asked; the message says why and what to type."""


@dataclass(frozen=True)
class Reingested:
    """What reading files again gave: each file's figures, and the days whose night must run."""

    files: list[IngestedFile] = field(default_factory=list)
    days: list[str] = field(default_factory=list)  # ISO, old and new days of the files


def operator(by: str | None = None) -> str:
    """Who acts: the name given, else the login name of this process."""
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _log(con, file_id: str, action: str, by: str, reason: str | None, figures: dict) -> None:
    con.execute(
        "insert into file_actions values (?, ?, ?, ?, ?, ?)",
        [file_id, action, catalog.now(), by, reason, json.dumps(figures, sort_keys=True)],
    )


def file_ids(settings: Settings, refs: list[str], day: date | None = None) -> list[str]:
    """The landed files named: by file id (as the messages print it), by a file of the same
    content (its sha256), and with `day` every file holding events of that service day, or
    landed for it with none."""
    ids: list[str] = []
    with catalog.connect(settings) as con:
        known = {row[0] for row in con.execute("select file_id from files").fetchall()}
        if day is not None:
            ids += [
                row[0]
                for row in con.execute(
                    "select file_id from files where file_id in (select file_id from file_days "
                    "where day = ?) or (year_hint = ? and file_id not in (select file_id from "
                    "file_days)) order by landed_at, file_id",
                    [day, day],
                ).fetchall()
            ]
    for ref in refs:
        file_id = ref if _FILE_ID.match(ref) else None
        if file_id is None and Path(ref).is_file():
            file_id = lake.sha256_file(Path(ref))[:16]
        if file_id is None or file_id not in known:
            raise ActionError(
                f"{safe_name(Path(ref).name)[:60]!r} is no landed file: give the file id the messages print "
                "(16 hex digits, a folder of landing/) or a file of the same content."
            )
        ids.append(file_id)
    if not ids:
        raise ActionError(f"no landed file holds events of service day {day}." if day else "no file given.")
    return list(dict.fromkeys(ids))


def _readable(con, settings: Settings, file_id: str) -> tuple[date, list[date]]:
    """A landed file that can be read again: its year hint and the days it holds events of.
    ActionError when its raw file is gone, or a day of its events lost its key (its events could
    not be made again: they would be quarantined as key_destroyed)."""
    name, hint, purged = con.execute(
        "select name, year_hint, purged_at from files where file_id = ?", [file_id]
    ).fetchall()[0]
    if purged is not None or lake.landed(settings, file_id) is None:
        raise ActionError(
            f"{name} ({file_id}): its raw file was deleted by retention "
            f"(FOOTFALL_RAW_RETENTION_DAYS={settings.raw_retention_days}): it cannot be read again."
        )
    days = [
        row[0]
        for row in con.execute(
            "select day from file_days where file_id = ? order by day", [file_id]
        ).fetchall()
    ]
    closed = [
        row[0]
        for row in con.execute(
            "select day from day_status where key_destroyed_at is not null and list_contains(?, day) "
            "order by day",
            [days],
        ).fetchall()
    ]
    if closed:
        raise ActionError(
            f"{name} ({file_id}) holds events of {closed[0]}, whose pseudonym key is destroyed: "
            "its events cannot be made again, so the file is not read again."
        )
    return hint, days


def reingest(settings: Settings, ids: list[str], by: str, fmt: str | None = None) -> Reingested:
    """Read landed files again with the registry (and sources) in force now: each file's staged
    events and quarantine are replaced whole (its events of each day in one file, swapped in; a
    day it no longer holds events of loses them), its counts replaced in the catalog, the
    re-reading logged; its days are marked to build. `fmt`: the format to read them as.
    The caller holds the ingest lock (pipeline.ops.stages.reingest)."""
    if fmt is not None and fmt not in formats.FORMATS:
        raise ActionError(f"unknown format {fmt!r}; one of: {', '.join(sorted(formats.FORMATS))}")
    todo, days = [], set()
    with catalog.connect(settings) as con:
        for file_id in ids:
            hint, old = _readable(con, settings, file_id)
            todo.append((file_id, hint))
            days.update(old)
        for file_id, _ in todo:  # pending from here: a killed re-reading is finished by the next night
            con.execute(
                "update files set ingested_at = null, error = null, "
                "forced_format = coalesce(?, forced_format) where file_id = ?",
                [fmt, file_id],
            )
            _log(con, file_id, "reingest", by, None, {"format": fmt})
    done, problems = [], []
    for file_id, hint in todo:
        path = lake.landed(settings, file_id)
        assert path is not None  # checked by _readable
        try:
            done.append(ingest_one(settings, file_id, path, hint))
        except IngestError as error:
            problems.append(str(error))
    with catalog.connect(settings) as con:
        days.update(
            row[0]
            for row in con.execute(
                "select day from file_days where list_contains(?, file_id)", [ids]
            ).fetchall()
        )
        catalog.mark_days(con, sorted(days))
    if problems:
        raise IngestError(
            " | ".join(problems)
            + ". Run the nights of "
            + ", ".join(d.isoformat() for d in sorted(days))
            + " once it is settled (`footfall nightly --day D`)."
        )
    return Reingested(done, sorted(d.isoformat() for d in days))


def accept(settings: Settings, file_id: str, reason: str, by: str) -> float:
    """Accept a file over the quarantine limit as it is, with the operator's reason: the nights
    of its days pass the gate while its quarantined share stays at or below the share accepted.
    The share accepted."""
    if not reason.strip():
        raise ActionError('say why the file is accepted: --reason "..." (it is kept in the catalog)')
    with catalog.connect(settings) as con:
        name, ingested, rate = con.execute(
            f"select name, ingested_at, {_RATE} from files where file_id = ?", [file_id]
        ).fetchall()[0]
        if ingested is None:
            raise ActionError(f"{name} ({file_id}) is not ingested yet: run the night first.")
        if rate <= settings.max_quarantine_rate:
            raise ActionError(
                f"{name} ({file_id}): {rate:.1%} of its client records quarantined, within the "
                f"limit of {settings.max_quarantine_rate:.0%}: nothing to accept."
            )
        con.execute("update files set accepted_rate = ? where file_id = ?", [rate, file_id])
        figures = {"rate": rate, "limit": settings.max_quarantine_rate}
        _log(con, file_id, "accept", by, reason.strip(), figures)
    return rate


def over_limit(settings: Settings, day: date) -> list[tuple[str, str]]:
    """The files holding events of `day` (or landed for it with none) whose quarantined share is
    over the limit and not accepted: (file id, its name, share and reasons)."""
    with catalog.connect(settings) as con:
        rows = con.execute(
            f"select file_id, name, {_RATE} as rate, (select string_agg(reason || '=' || q.records, "
            "', ' order by reason) from file_quarantine as q where q.file_id = f.file_id) "
            "from files as f where ingested_at is not null and (file_id in (select file_id from "
            "file_days where day = $day) or (year_hint = $day and file_id not in (select file_id "
            f"from file_days))) and {_RATE} > $limit and {_RATE} > coalesce(accepted_rate, -1.0) "
            "order by landed_at, file_id",
            {"day": day, "limit": settings.max_quarantine_rate},
        ).fetchall()
    return [
        (file_id, f"{name} ({file_id}): {rate:.0%} of its client records quarantined ({reasons})")
        for file_id, name, rate, reasons in rows
    ]


def check_gate(settings: Settings, day: date) -> None:
    """IngestError while a file of the day is over the quarantine limit and was neither read
    again below it nor accepted: the day's visits and marts are not built meanwhile."""
    files = over_limit(settings, day)
    if files:
        ids = " ".join(file_id for file_id, _ in files)
        raise IngestError(
            f"service day {day} is not built: {len(files)} file(s) over the quarantine limit of "
            f"{settings.max_quarantine_rate:.0%} (FOOTFALL_MAX_QUARANTINE_RATE): "
            + "; ".join(said for _, said in files)
            + ". Their quarantined records (line numbers, reasons) are in "
            f"{settings.quarantine}/<file id>.parquet. Fix the registry (`footfall registry load`) "
            f"or the source, then read them again: `footfall reingest {ids}`; or accept each as it "
            'is: `footfall accept <file id> --reason "..."`. Then run the night again.'
        )
