"""Fault injection for the chaos suite: with FOOTFALL_FAULT=<point>@<n> the process kills itself
(SIGKILL, as the kernel's OOM killer or a power cut would stop it) the n-th time it reaches a point
whose name is <point> or starts with "<point>." (`rename` covers `rename.data`, `rename.sidecar`
...). The points sit just before each step that must survive a kill: every rename that commits a
file, each step of a key's destruction. Unset, a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

from pipeline.config import fault_plan

_PLAN: dict[int, tuple[str, int] | None] = {}  # per process: a forked child reads it again
_SEEN: dict[int, int] = {}


def point(name: str) -> None:
    """A step that must survive a kill: die here when the plan says so."""
    pid = os.getpid()
    if pid not in _PLAN:
        _PLAN[pid] = fault_plan()
    plan = _PLAN[pid]
    if plan is None or not (name == plan[0] or name.startswith(plan[0] + ".")):
        return
    _SEEN[pid] = _SEEN.get(pid, 0) + 1
    if _SEEN[pid] == plan[1]:
        os.kill(pid, signal.SIGKILL)
