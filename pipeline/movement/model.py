"""Visits and trips of one service day, from its staged events (sql/movement/visits.sql, then
sql/movement/trips.sql over the visits just written): one partition each in curated/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeline import lake
from pipeline.config import Settings
from pipeline.ingest.registry import registry_for


@dataclass(frozen=True)
class Movement:
    """The day's movement model: devices seen, visits and trips built."""

    events_files: int
    devices: int
    visits: int
    trips: int


def build(settings: Settings, day: date, events: list[str]) -> Movement:
    """Write the day's visits and trips partitions from its staged event files; their counts."""
    registry = registry_for(settings, day)
    con = lake.connect(settings)
    try:
        con.register("aps", registry.aps)
        visits = lake.query(
            con, "movement/visits", {"events": events, "gap_s": settings.gap_s, "flap_s": settings.flap_s}
        )
        lake.replace_partition(settings.visits, day, {"part.parquet": visits})
        trips = lake.query(
            con,
            "movement/trips",
            {
                "visits": lake.day_files(settings.visits, day),
                "max_transit_s": settings.max_transit_s,
                "flap_s": settings.flap_s,
            },
        )
        lake.replace_partition(settings.trips, day, {"part.parquet": trips})
        devices = con.execute("select count(distinct device) from read_parquet(?)", [events]).fetchall()[0][0]
    finally:
        con.close()
    return Movement(len(events), devices, visits.num_rows, trips.num_rows)
