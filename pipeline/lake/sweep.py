"""Temp names that say who writes them, and the sweep that clears what killed writers left.

A file or folder being written is named `.tmp-<owner>-<random>-<final name>.partial`, an old
partition being replaced `.old-<owner>-<random>-<name>`, an inbox file a night has claimed
`.claim-<owner>-<random>-<name>`; <owner> is `<host>.<pid>.<start>` of the writing process (host: a
hash of the host name; start: the process's start time, so that a reused pid is not taken for the
writer). No reader's glob (`*.parquet`, `day=*`) matches these names.

The sweep, at the start of every run and of `footfall check`, looks at each such name: a live
writer's (or, on another host, one it cannot check) is left alone; a dead writer's is undone or
finished, never left for a later night:
- an old partition whose replacement never arrived is put back (the swap is rolled back);
- a complete file whose checksum was already committed is put in place (rolled forward);
- a claimed inbox file goes back to the inbox;
- anything else (a partial file, a folder built aside) is removed.
Names of older versions without an owner are removed once an hour old, as before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
import socket
import time
from pathlib import Path

log = logging.getLogger(__name__)

HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
LEGACY_AGE_S = 3600
_NAME = re.compile(r"^\.(tmp|old|claim)-([0-9a-f]{8})\.(\d+)\.(\d+)-[0-9a-f]+-(.+?)(\.partial)?$")
_OWNERS: dict[int, str] = {}


def _start_time(pid: int) -> int | None:
    """The start time of a process (clock ticks after boot), or None when it does not exist."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:  # no /proc: 0 stands for "unknown"
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0
    return int(stat.rsplit(")", 1)[1].split()[19])


def owner() -> str:
    """This process as the owner of its temp files: host.pid.start."""
    pid = os.getpid()
    if pid not in _OWNERS:
        _OWNERS[pid] = f"{HOST}.{pid}.{_start_time(pid) or 0}"
    return _OWNERS[pid]


def temp_name(path: Path, kind: str = "tmp") -> Path:
    """A name beside `path` for a file or folder this process writes (kind tmp), an old version it
    replaces (old) or an inbox file it claims (claim)."""
    suffix = ".partial" if kind == "tmp" else ""
    return path.with_name(f".{kind}-{owner()}-{secrets.token_hex(4)}-{path.name}{suffix}")


def parse(name: str) -> tuple[str, str, str] | None:
    """(kind, owner, final name) of a temp name, or None for any other name."""
    match = _NAME.match(name)
    if match is None:
        return None
    kind, host, pid, start, final, _ = match.groups()
    return kind, f"{host}.{pid}.{start}", final


def alive(who: str) -> bool:
    """Whether the owner of a temp name may still be writing (on another host: assumed so)."""
    host, pid, start = who.split(".")
    if host != HOST:
        return True
    now = _start_time(int(pid))
    return now is not None and (now == int(start) or now == 0 or int(start) == 0)


def running(pid: int) -> bool:
    """Whether a process of this host with that id is running."""
    return _start_time(pid) is not None


def writing(path: Path) -> bool:
    """Whether a live writer is about to replace `path` (its temp file is beside it)."""
    for other in path.parent.glob(f".tmp-*-{path.name}.partial"):
        parsed = parse(other.name)
        if parsed and parsed[2] == path.name and alive(parsed[1]):
            return True
    return False


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _sidecar_hash(path: Path) -> str | None:
    try:
        return path.with_name(path.name + ".sha256").read_text().split()[0]
    except (OSError, IndexError):
        return None


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in blocks (landed logs can be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _settle(path: Path, kind: str, final: Path) -> str:
    """Undo or finish one dead writer's temp name; what was done."""
    if kind == "old":
        if final.exists():
            _remove(path)
            return "removed"
        os.replace(path, final)
        return "rolled back"
    if kind == "claim":
        if final.exists():
            return "kept"  # a new delivery under the same name: both stay, the claim is logged
        os.replace(path, final)
        return "returned to the inbox"
    if path.is_file():
        committed = _sidecar_hash(final)
        if (
            committed
            and sha256_file(path) == committed
            and (not final.exists() or sha256_file(final) != committed)
        ):
            os.replace(path, final)
            return "rolled forward"
    _remove(path)
    return "removed"


def _legacy_dead(path: Path) -> bool:
    try:
        return path.lstat().st_mtime < time.time() - LEGACY_AGE_S
    except FileNotFoundError:
        return False


def sweep(home: Path) -> list[str]:
    """Clear the leftovers of killed writers under `home`; one line per path, what was done."""
    done = []
    found = [p for pattern in (".tmp-*", ".old-*", ".claim-*") for p in home.rglob(pattern)]
    for path in sorted(found, key=lambda p: len(p.parts)):  # a folder before what it holds
        if not os.path.lexists(path):
            continue
        parsed = parse(path.name)
        if parsed is None:
            if not _legacy_dead(path):
                continue
            final = path.parent / re.sub(r"^\.(tmp|old)-([0-9a-f]{32}-)?", "", path.name)
            action = _settle(path, path.name[1:4], final)
        else:
            kind, who, name = parsed
            if alive(who):
                continue
            action = _settle(path, kind, path.parent / name)
        done.append(f"{path.relative_to(home)}: {action}")
        log.warning("leftover of a killed run %s: %s", path.relative_to(home), action)
    return done
