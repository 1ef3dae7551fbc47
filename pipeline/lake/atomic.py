"""Committing a written file: fsync, its whole-file sha256 recorded beside it, the rename; and
the atomic exchange of two folders. The bottom of the lake: used by `lake`, swept by `sweep`."""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

from pipeline.lake import faults, sweep
from pipeline.lake.sweep import sha256_file


def _in_partition(path: Path) -> bool:
    return path.parent.name.startswith("day=")


def sidecar(path: Path) -> Path:
    """Where the whole-file sha256 of a partition file is recorded."""
    return path.with_name(path.name + ".sha256")


def recorded_sha256(path: Path) -> str | None:
    """The sha256 recorded for a file when it was written (None: none recorded)."""
    try:
        words = sidecar(path).read_text(encoding="ascii", errors="replace").split()
    except FileNotFoundError:
        return None
    return words[0] if words else ""


def record_sha256(path: Path, digest: str | None = None) -> str:
    """Record a file's sha256 beside it (atomically); the digest."""
    digest = digest or sha256_file(path)
    target = sidecar(path)
    tmp = sweep.temp_name(target)
    try:
        with open(tmp, "w", encoding="ascii") as handle:
            handle.write(f"{digest}  {path.name}\n")
            handle.flush()
            os.fsync(handle.fileno())
        faults.point("rename.sidecar")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return digest


def commit(tmp: Path, path: Path, checksum: bool | None) -> None:
    """Put a written temp file in place: fsync, its checksum committed first (a kill between
    the two renames is rolled forward by the sweep), then the rename."""
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    if checksum or (checksum is None and _in_partition(path)):
        record_sha256(path, sha256_file(tmp))
    faults.point("rename.data")
    os.replace(tmp, path)


_RENAME_EXCHANGE, _AT_FDCWD = 2, -100
_LIBC = ctypes.CDLL(None, use_errno=True)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the filesystem cannot."""
    renameat2 = getattr(_LIBC, "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
