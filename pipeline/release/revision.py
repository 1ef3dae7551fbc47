"""A quarter released again (late logs, a corrected registry, a release part-way through the
quarter and again at its end) must not let two versions be subtracted to reveal a small count.

Every version's published tables and manifest are kept under release_history/<quarter>/<sha>/
(aggregates only), so the rules hold against all earlier versions, not only the last:
- a value hidden in any earlier version stays hidden (a hidden value shown later would give away
  what the earlier version's totals hid with it);
- a value whose count moved by less than k since an earlier version is hidden (the difference
  would be a small count), for every published count column, not one per table;
- the secondary rule of suppression.protect solves the site totals of all versions together.
Quarters cover disjoint days and no table is cumulative, so one quarter's release shares no cell
or margin with another's.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.calendar import FiscalQuarter
from pipeline.config import Settings
from pipeline.release.suppression import GROUPS, KEYS, PUBLISHED

HISTORY = "release_history"
KEPT = (*PUBLISHED.values(), "sites")


def _folder(settings: Settings, quarter) -> Path:
    return settings.home / HISTORY / str(quarter)


def earlier_versions(settings: Settings, quarter: FiscalQuarter) -> list[dict]:
    """The published tables (and the manifest, when kept) of every earlier version of the quarter."""
    out = []
    for version in sorted(
        p for p in _folder(settings, quarter).glob("*") if p.is_dir() and not p.name.startswith(".")
    ):
        tables = {name: pq.read_table(version / f"{name}.parquet").to_pylist() for name in KEPT}
        manifest = version / "manifest.json"
        tables["manifest"] = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else None
        out.append(tables)
    return out


def keep(settings: Settings, quarter: FiscalQuarter, release: Path, sha: str) -> None:
    """Keep the published tables and manifest of a version (once per package checksum)."""
    folder = _folder(settings, quarter) / sha[:16]
    if folder.exists():
        return
    staging = folder.with_name(f".tmp-{folder.name}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in KEPT:
        shutil.copyfile(release / "tables" / f"{name}.parquet", staging / f"{name}.parquet")
    shutil.copyfile(release / "manifest.json", staging / "manifest.json")
    staging.rename(folder)


def _was_hidden(old: dict, group: tuple) -> bool:
    if old.get("no_data"):
        return False  # no data is not a hidden value: nothing was there to hide
    return bool(old.get("suppressed")) or any(old.get(c) is None for c in group)


def _moved_little(row: dict, old: dict, group: tuple, k: int) -> bool:
    return any(
        old.get(c) is not None and row.get(c) is not None and 0 < abs(row[c] - old[c]) < k for c in group
    )


def forced(name: str, rows: list[dict], earlier: list[dict], k: int, moved: bool = True) -> list[list[bool]]:
    """Per cells row and column group: hidden because of an earlier version (hidden there, or
    moved by less than k since; moved=False skips the latter, for noisy cells redrawn)."""
    keys, groups = KEYS[name], GROUPS[name]
    past = defaultdict(list)
    for version in earlier:
        for old in version[PUBLISHED[name]]:
            past[tuple(old[key] for key in keys)].append(old)
    out = []
    for row in rows:
        olds = past.get(tuple(row[key] for key in keys), ())
        out.append(
            [
                any(_was_hidden(old, g) or (moved and _moved_little(row, old, g, k)) for old in olds)
                for g in groups
            ]
        )
    return out
