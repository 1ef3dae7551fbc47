"""Files private by default: whatever umask the operator's shell or the scheduler starts with, the
lake and the keystore are owner-only (files 0600, folders 0700)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from pipeline.config import PRIVATE_UMASK
from tests.conftest import make_settings

FOOTFALL = str(Path(sys.executable).with_name("footfall"))


def _open_to_others(root: Path) -> list[str]:
    return [
        f"{oct(stat.S_IMODE(p.lstat().st_mode))} {p}"
        for p in [root, *root.rglob("*")]
        if not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) & 0o077
    ]


def test_a_night_and_a_release_under_a_permissive_umask_leave_nothing_readable_by_others(tmp_path):
    env = {
        "FOOTFALL_HOME": str(tmp_path / "var"),
        "FOOTFALL_KEYSTORE": str(tmp_path / "keys"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    for args in (
        ["simulate", "--first", "2024-04-01", "--last", "2024-04-01", "--devices", "300"],
        ["nightly", "--day", "2024-04-01"],
        ["publish", "--quarter", "FY2024Q1"],
        ["optout", "add", "80:d6:05:00:00:01"],
    ):
        done = subprocess.run(
            [FOOTFALL, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=lambda: os.umask(0),
        )  # everything 0777 / 0666 otherwise
        assert done.returncode == 0, done.stderr
    home, keys = tmp_path / "var", tmp_path / "keys"
    assert (home / "landing").is_dir() and list(keys.glob("*.key")) and (home / "published").is_dir()
    assert _open_to_others(home) == [] and _open_to_others(keys) == []


def test_building_the_settings_makes_the_process_private(tmp_path):
    before = os.umask(0o022)
    try:
        make_settings(tmp_path)  # what the CLI, every DAG task and every test does first
        assert os.umask(0o022) == PRIVATE_UMASK
    finally:
        os.umask(before)
