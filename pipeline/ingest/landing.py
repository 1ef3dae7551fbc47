"""Landing: a raw file claimed from the inbox, copied into landing/ under its content hash,
synced, hashed and recorded in the catalog (a file seen before is skipped)."""

from __future__ import annotations

import logging
import os
import shutil
from datetime import date
from pathlib import Path

from pipeline import lake
from pipeline.config import Settings
from pipeline.ingest import formats
from pipeline.ingest.masking import safe_name
from pipeline.lake import catalog, faults, locks, sweep

log = logging.getLogger(__name__)


def land(
    settings: Settings,
    paths: list[Path],
    year_hint: date | None = None,
    move: bool = False,
    night: date | None = None,
) -> list[str]:
    """Copy files into landing/ under their content hash; a file seen before is skipped.

    move=True (the inbox): each file is first claimed, renamed to a name of this process alone,
    so that any number of nights can land at once and each file goes to one of them; it is
    removed once landed. night: the day of the night that lands the inbox, the year hint of a
    file with no date in its name. Nothing partial is kept on any failure, a full disk included:
    the copy is removed and a claimed file goes back to the inbox. Returns the newly landed ids.
    """
    landed = []
    for path in map(Path, paths):
        hint = year_hint or formats.day_in_name(path.name) or night
        source = _claim(path) if move else path
        if source is None:
            log.info("skip %s: another run is landing it", safe_name(path.name))
            continue
        try:
            file_id = _land_one(settings, source, path.name, hint, move)
        except BaseException:
            if move and not path.exists():
                os.replace(source, path)  # back to the inbox, for the next night
            raise
        if file_id:
            landed.append(file_id)
    return landed


def _claim(path: Path) -> Path | None:
    """Rename an inbox file to a name of this process (one night wins it), or None."""
    claimed = sweep.temp_name(path, "claim")
    try:
        faults.point("rename.claim")
        os.replace(path, claimed)
    except FileNotFoundError:
        return None
    return claimed


def _copy_hashed(source: Path, target: Path) -> tuple[str, int]:
    """Copy a file (by the kernel) and sync it, then hash the copy (what is landed is what is
    checksummed): its sha256 and size."""
    shutil.copyfile(source, target)
    with open(target, "rb") as copy:
        os.fsync(copy.fileno())
    return lake.sha256_file(target), target.stat().st_size


def _land_one(settings: Settings, source: Path, name: str, hint: date | None, move: bool) -> str | None:
    """Land one file; its id when it is new (or failed before and is retried), else None."""
    settings.landing.mkdir(parents=True, exist_ok=True)
    tmp = sweep.temp_name(settings.landing / name)
    try:
        sha, size = _copy_hashed(source, tmp)
        with locks.named_lock(settings, f"file={sha[:16]}"), catalog.connect(settings) as con:
            new = _record_landing(settings, con, tmp, source, name, (sha, size, hint))
    finally:
        tmp.unlink(missing_ok=True)
    if move:
        source.unlink()
    return sha[:16] if new else None


def _record_landing(settings: Settings, con, tmp: Path, source: Path, name: str, what) -> bool:
    """Record a landed copy and put it in place (the row first: a kill in between leaves a row
    without its file, which the next landing of the same content, back in the inbox, mends).
    True when the file is new or failed before (landing it again retries it)."""
    sha, size, hint = what
    file_id = sha[:16]
    row = next(
        iter(con.execute("select name, error, purged_at from files where file_id = ?", [file_id]).fetchall()),
        None,
    )
    if row is None:
        con.execute(
            "insert into files (file_id, sha256, name, bytes, year_hint, landed_at) "
            "values (?, ?, ?, ?, ?, ?)",
            [
                file_id,
                sha,
                safe_name(name),
                size,
                formats.year_hint(source, hint, settings.zone),
                catalog.now(),
            ],
        )
    target = settings.landing / file_id / name
    if row is None or (row[2] is None and lake.landed(settings, file_id) is None):
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            faults.point("rename.landing")
            os.replace(tmp, target)
        except BaseException:
            if row is None:
                con.execute("delete from files where file_id = ?", [file_id])
            raise
    if row is not None and row[1] is not None:
        con.execute("update files set error = null where file_id = ?", [file_id])
    elif row is not None:
        log.warning(
            "%s: the same content was landed before as %s: not read again. To read it again "
            "(after a registry fix): `footfall reingest %s`",
            safe_name(name),
            file_id,
            file_id,
        )
    return row is None or row[1] is not None
