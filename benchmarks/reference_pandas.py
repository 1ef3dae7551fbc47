"""The movement model written the way an analyst would in pandas, for the benchmark's comparison.

The same rules as sql/movement/visits.sql and trips.sql (sessions to intervals, presences closer
than the gap merged per device and site, flaps marked, legs between consecutive steady visits
within the maximum transit time), on the same staged events, in idiomatic vectorised pandas:
sort, groupby, shift, cumsum, cummax, with no Python per group or row. Not used by the pipeline:
benchmarks/bench_night.py times it beside the DuckDB stage and checks both give the same visits
and trips.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OPEN, CLOSE = ("assoc", "start"), ("disassoc", "stop")


def visits(events: pd.DataFrame, aps: pd.DataFrame, gap_s: int, flap_s: int) -> pd.DataFrame:
    """Visits (device, site_id, start, end, dwell_s, flap) from canonical events."""
    ev = events.merge(aps[["ap_id", "site_id"]], on="ap_id")
    ev = ev.sort_values(["device", "ap_id", "ts", "kind"], kind="stable").reset_index(drop=True)
    opened = ev["ts"].where(ev["kind"].isin(OPEN))
    closed = ev["ts"].where(ev["kind"].isin(CLOSE))
    # the last open / close strictly before each event of the same device and AP
    keys = [ev["device"], ev["ap_id"]]
    ev["last_open"] = opened.groupby(keys).ffill().groupby(keys).shift()
    ev["last_close"] = closed.groupby(keys).ffill().groupby(keys).shift()
    t0 = ev["ts"].copy()
    with_duration = ev["kind"].isin(CLOSE + ("interim",)) & ev["duration_s"].notna()
    t0[with_duration] = ev["ts"][with_duration] - pd.to_timedelta(ev["duration_s"][with_duration], unit="s")
    closes_open = (
        ev["kind"].isin(CLOSE)
        & ~with_duration
        & (ev["last_close"].isna() | (ev["last_open"] > ev["last_close"]))
    )
    t0[closes_open] = ev["last_open"][closes_open]
    pres = pd.DataFrame({"device": ev["device"], "site_id": ev["site_id"], "t0": t0, "t1": ev["ts"]})
    pres = pres.sort_values(["device", "site_id", "t0", "t1"], kind="stable").reset_index(drop=True)
    pair = [pres["device"], pres["site_id"]]
    open_until = pres["t1"].groupby(pair).cummax().groupby(pair).shift()
    new = open_until.isna() | (pres["t0"] > open_until + pd.Timedelta(seconds=gap_s))
    pres["visit_no"] = new.astype(np.int64).groupby([pres["device"], pres["site_id"]]).cumsum()
    merged = (
        pres.groupby(["device", "site_id", "visit_no"], sort=False)
        .agg(start=("t0", "min"), end=("t1", "max"), events=("t1", "size"))
        .reset_index()
    )
    # a close with no open before it has no start: its visit's start and dwell are NULL, as in SQL
    merged["dwell_s"] = (merged["end"] - merged["start"]).dt.total_seconds().astype("Int64")
    merged = merged.sort_values(["device", "start", "end", "site_id"], kind="stable").reset_index(drop=True)
    g = merged.groupby("device", sort=False)
    prev_site, prev_end = g["site_id"].shift(), g["end"].shift()
    next_site, next_start = g["site_id"].shift(-1), g["start"].shift(-1)
    covered = g["end"].cummax().groupby(merged["device"]).shift()
    short = merged["dwell_s"] < flap_s  # NA where dwell is NULL: such a visit is no steady one
    inside = covered.notna() & (covered >= merged["end"])
    between = (
        prev_site.notna()
        & next_site.notna()
        & (prev_site != merged["site_id"])
        & (next_site != merged["site_id"])
        & ((merged["start"] - prev_end).dt.total_seconds() < flap_s)
        & ((next_start - merged["end"]).dt.total_seconds() < flap_s)
    )
    merged["flap"] = short.astype("boolean") & (inside | between)
    return merged[["device", "site_id", "start", "end", "dwell_s", "events", "flap"]]


def trips(visits: pd.DataFrame, max_transit_s: int) -> pd.DataFrame:
    """Legs between consecutive steady visits of a device (origin, destination, depart, arrive)."""
    steady = visits[visits["flap"].eq(False).fillna(False)]  # SQL's `where not flap`: NULL is out
    steady = steady.sort_values(["device", "start", "end", "site_id"], kind="stable")
    g = steady.groupby("device", sort=False)
    legs = pd.DataFrame(
        {
            "device": steady["device"],
            "origin_site_id": steady["site_id"],
            "dest_site_id": g["site_id"].shift(-1),
            "depart": steady["end"],
            "arrive": g["start"].shift(-1),
        }
    )
    travel = (legs["arrive"] - legs["depart"]).dt.total_seconds()
    is_leg = (
        legs["dest_site_id"].notna()
        & (legs["dest_site_id"] != legs["origin_site_id"])
        & travel.between(0, max_transit_s)
    )
    legs["travel_s"] = travel
    return legs[is_leg].reset_index(drop=True)
