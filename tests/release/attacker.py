"""The re-identification researcher's tools: solve what the published versions of a release say
about every hidden daily count, as a linear program (scipy's HiGHS), independent of the code that
chose what to hide."""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import combinations

import numpy as np
from scipy.optimize import linprog


def _rows(version: dict) -> dict:
    out = defaultdict(dict)
    for row in version["footfall_daily"]:
        if not row.get("no_data"):
            out[row["site_id"]][row["day"]] = row["devices"]
    return out


def solve_daily(versions: list[dict]) -> dict[tuple, tuple[float, float]]:
    """(site, day) -> (lowest, highest) value consistent with every version's site totals and shown
    cells, for each daily count no version shows. The attacker assumes a count is the same in every
    version unless shown otherwise (a count shown in one version stands for it in all the others);
    each count is at least 1 (a published row has a device). Where the versions contradict that
    assumption (late logs changed a count), every subset of versions that does not is solved too,
    and the tightest bounds kept."""
    bounds: dict = {}
    for size in range(len(versions), 0, -1):
        for subset in combinations(versions, size):
            for key, (lo, hi) in _solve(list(subset)).items():
                old = bounds.get(key, (lo, hi))
                bounds[key] = (max(lo, old[0]), min(hi, old[1]))
    return bounds


def _solve(versions: list[dict]) -> dict:
    daily = [_rows(v) for v in versions]
    totals = [{r["site_id"]: r["device_days"] for r in v["sites"]} for v in versions]
    bounds = {}
    for site in {s for d in daily for s in d}:
        shown = {}
        for d in daily:
            shown.update({day: n for day, n in d.get(site, {}).items() if n is not None})
        unknown = sorted({day for d in daily for day in d.get(site, {}) if day not in shown})
        if not unknown:
            continue
        index = {day: i for i, day in enumerate(unknown)}
        a_eq, b_eq = [], []
        for d, total in zip(daily, totals):
            if total.get(site) is None or site not in d:
                continue
            row, rest = np.zeros(len(unknown)), total[site]
            for day, n in d[site].items():
                if day in index:
                    row[index[day]] = 1
                else:
                    rest -= n if n is not None else shown[day]
            a_eq.append(row)
            b_eq.append(rest)
        intervals = {day: _interval(index[day], len(unknown), a_eq, b_eq) for day in unknown}
        if all(intervals.values()):
            bounds.update({(site, day): iv for day, iv in intervals.items()})
    return bounds


def _interval(i: int, n: int, a_eq: list, b_eq: list) -> tuple[float, float] | None:
    if not a_eq:
        return 1.0, math.inf
    ends = []
    for sign in (1, -1):
        c = np.zeros(n)
        c[i] = sign
        result = linprog(c, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=[(1, None)] * n, method="highs")
        if result.status == 2:  # infeasible: the versions contradict the attacker's assumption
            return None
        ends.append(math.inf if result.status == 3 else sign * result.fun)
    return ends[0], ends[1]


def exposed(bounds: dict, truth: dict, k: int) -> list[str]:
    """The hidden counts whose interval does not reach from 1 to at least k above the truth.

    truth: (site, day) -> its count, or the set of counts it had in the versions (late logs): the
    attacker's equations then mix them, and the interval must protect at least the smallest."""

    def low(value):
        return min(value) if isinstance(value, (set, frozenset, list, tuple)) else value

    return [
        f"{site} {day}: true {truth[(site, day)]}, solved [{lo:g}, {hi:g}]"
        for (site, day), (lo, hi) in sorted(bounds.items())
        if lo > 1 + 1e-6 or hi < low(truth[(site, day)]) + k - 1e-6
    ]
