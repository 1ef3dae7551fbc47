"""A night on a small filesystem that fills: a tmpfs of growing sizes when we may mount one
(root), else a file-size limit. Each run either completes or stops with the disk-full message;
nothing partial is kept (no temp file, every raw log landed whole or back in the inbox); once
there is room the next night ends where an undisturbed one does."""

import os
import shutil
import subprocess

import pytest

from tests.chaos import kit
from tests.chaos.conftest import DAY
from tests.conftest import make_settings

SIZES_MB = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32]


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def small_fs(tmp_path):
    """A mount point and a function that (re)mounts a tmpfs of a size there."""
    point = tmp_path / "fs"
    point.mkdir()
    mounted = []

    def size(megabytes: int):
        option = "remount,size" if mounted else "size"
        args = ["mount", "-t", "tmpfs", "-o", f"{option}={megabytes}m", "tmpfs", str(point)]
        if mounted:
            args = ["mount", "-o", f"remount,size={megabytes}m", str(point)]
        subprocess.run(args, check=True)
        mounted.append(megabytes)

    yield point, size
    if mounted:
        subprocess.run(["umount", str(point)], check=False)


def _check_stopped_cleanly(settings, night, before: dict) -> None:
    assert night.returncode in (0, 1), night.stderr
    if night.returncode == 1:
        error = kit.one_line_error(night)
        assert "stopped: a write under" in error and "Nothing partial was kept" in error, error
    assert kit.leftovers(settings) == []
    landed = (
        {p.name: p.read_bytes() for p in settings.landing.rglob("*") if p.is_file()}
        if settings.landing.exists()
        else {}
    )
    waiting = {p.name: p.read_bytes() for p in settings.inbox.iterdir()}
    assert {**landed, **waiting} == before, "a raw log was lost or kept partial"


@pytest.mark.skipif(not _can_mount(), reason="mounting a tmpfs needs root")
@pytest.mark.parametrize("megabytes", SIZES_MB)
def test_a_night_on_a_filesystem_that_fills(small_fs, day_logs, megabytes):
    point, size = small_fs
    size(megabytes)
    settings = make_settings(point)
    shutil.copytree(day_logs[0], settings.inbox)
    before = {p.name: p.read_bytes() for p in settings.inbox.iterdir()}
    _check_stopped_cleanly(settings, kit.footfall(settings, "nightly", "--day", DAY), before)
    size(256)  # room again
    again = kit.footfall(settings, "nightly", "--day", DAY)
    assert again.returncode == 0, again.stderr
    assert kit.marts_bytes(settings) == day_logs[1]
    assert kit.footfall(settings, "check").returncode == 0


@pytest.mark.parametrize("limit_kb", [5, 20, 60, 150, 300, 700, 1500])
def test_a_night_under_a_file_size_limit(fresh, day_logs, limit_kb):
    settings = fresh
    before = {p.name: p.read_bytes() for p in settings.inbox.iterdir()}
    night = kit.footfall(settings, "nightly", "--day", DAY, limit=limit_kb * 1000)
    _check_stopped_cleanly(settings, night, before)
    again = kit.footfall(settings, "nightly", "--day", DAY)
    assert again.returncode == 0, again.stderr
    assert kit.marts_bytes(settings) == day_logs[1]
