"""One settings object, built once from the environment (FOOTFALL_*) and passed down.

No other module reads os.environ; no lake path is spelled anywhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

PACKAGE_DATA = Path(__file__).parent / "data"
SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
SAMPLE_REGISTRY = PACKAGE_DATA / "registry_sample.csv"

# Everything the pipeline writes (raw logs in landing/, pseudonyms, keys, the catalog) is its owner's
# only: files 0600, folders 0700, whatever umask the process was started with.
PRIVATE_UMASK = 0o077

MIN_K = 5
MAX_RAW_RETENTION_DAYS = 180


# The simulator's `oita` scale: a population of devices that gives about 20,000 devices on a
# weekday at the sample registry's 95 APs (the demo, `footfall simulate`, the `oita` benchmark).
OITA_POPULATION = 42_000


@dataclass(frozen=True)
class Settings:
    """Paths of the lake and the policy numbers of one deployment."""

    home: Path
    keystore: Path
    registry: Path = SAMPLE_REGISTRY
    tz: str = "Asia/Tokyo"
    day_start_hour: int = 4  # the service day runs 04:00 -> 04:00 local time
    delivery_grace_minutes: int = 60  # the night of a day starts this long after the day closed
    k: int = 10  # every published count covers at least k devices
    gap_s: int = 600  # events of one device at one site closer than this form one visit
    max_transit_s: int = 3600  # a move between sites slower than this is not a trip
    visitor_min_s: int = 300  # visits at least this long are visitors, shorter passers-by
    flap_s: int = 120  # a visit this short between two elsewhere is flapping, not a trip
    zones: Path | None = None  # district polygons (GeoJSON / GeoParquet); default: a zone per site
    sources: Path | None = None  # log sources' own clocks and sites (docs/formats.md); default: none
    max_quarantine_rate: float = 0.10  # a file with more bad records than this fails the night
    raw_retention_days: int = 3  # landing/ files go this long after their day is processed
    staged_retention_days: int = 7  # pseudonymised events, visits, trips, quarantine
    key_grace_days: int = 2  # a day's key is destroyed this long after its aggregates
    gate_max_silent_share: float = 0.25  # more silent APs than this fails the night
    gate_min_events_ratio: float = 0.5  # fewer events than this x the usual weekday fails it
    recipients: tuple = ()  # departments each quarterly release is provided to (the DAG records it)
    # Optional differential privacy of the releases (0 = off): the budget per release, and how
    # many cells one device-day may count in (the marts always keep these bounded counts).
    dp_epsilon: float = 0.0
    dp_max_sites: int = 4  # sites per device-day in the daily table
    dp_max_hours: int = 8  # site-hours per device-day in the hourly profile
    dp_max_flows: int = 3  # zone pairs and hour bands per device-day in the OD table
    memory_limit: str = "2GB"
    threads: int = 2
    ingest_files: int = 2  # files a night ingests at once (each in its own DuckDB cursor)

    def __post_init__(self):
        private_files()  # every entry point builds its settings first: CLI, DAG tasks, tests
        if self.k < MIN_K:
            raise ValueError(f"FOOTFALL_K={self.k} is below the floor of {MIN_K}; raise it.")
        if not 0 <= self.raw_retention_days <= MAX_RAW_RETENTION_DAYS:
            raise ValueError(
                f"FOOTFALL_RAW_RETENTION_DAYS={self.raw_retention_days} is refused: raw "
                f"logs hold MAC addresses and are kept {MAX_RAW_RETENTION_DAYS} days at most."
            )
        if self.staged_retention_days < 0 or self.key_grace_days < 0:
            raise ValueError("FOOTFALL_STAGED_RETENTION_DAYS and FOOTFALL_KEY_GRACE_DAYS must be >= 0.")
        if not 0 <= self.day_start_hour < 24:
            raise ValueError(f"FOOTFALL_DAY_START_HOUR={self.day_start_hour} must be 0..23.")
        if not 0 <= self.delivery_grace_minutes < 24 * 60:
            raise ValueError(
                f"FOOTFALL_DELIVERY_GRACE_MINUTES={self.delivery_grace_minutes} must be "
                "0..1439 (less than a day)."
            )
        ZoneInfo(self.tz)  # fails early on a misspelt zone
        if self.ingest_files < 1:
            raise ValueError(f"FOOTFALL_INGEST_FILES={self.ingest_files} must be >= 1.")
        if self.dp_epsilon < 0 or min(self.dp_max_sites, self.dp_max_hours, self.dp_max_flows) < 1:
            raise ValueError(
                "FOOTFALL_DP_EPSILON must be >= 0 (0 = off) and the FOOTFALL_DP_MAX_* bounds >= 1."
            )

    # --- zones of the lake -------------------------------------------------------------
    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def events(self) -> Path:
        return self.home / "staged" / "events"

    @property
    def quarantine(self) -> Path:
        return self.home / "staged" / "quarantine"

    @property
    def visits(self) -> Path:
        return self.home / "curated" / "visits"

    @property
    def trips(self) -> Path:
        return self.home / "curated" / "trips"

    @property
    def marts(self) -> Path:
        return self.home / "marts"

    @property
    def published(self) -> Path:
        return self.home / "published"

    @property
    def basemap(self) -> Path:
        """The city's own base-map layers (`footfall basemap`), drawn instead of the vendored ones."""
        return self.home / "basemap"

    @property
    def truth(self) -> Path:
        """Simulator ground truth: device indices, never MACs; kept apart from the lake."""
        return self.home / "simulation" / "truth"

    @property
    def catalog(self) -> Path:
        return self.home / "footfall.duckdb"

    @property
    def spill(self) -> Path:
        return self.home / "tmp"

    def day_partition(self, table_root: Path, day: date) -> Path:
        return table_root / f"day={day.isoformat()}"

    def day_bounds_local(self, day: date) -> tuple[datetime, datetime]:
        """Start and end (local, tz-aware) of a service day."""
        from datetime import datetime, time

        start = datetime.combine(day, time(self.day_start_hour), tzinfo=self.zone)
        return start, start + timedelta(days=1)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def private_files() -> None:
    """Make what this process creates from now on private to its owner (umask 077)."""
    os.umask(PRIVATE_UMASK)


def _int(env, name, default):
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not an integer.") from None


def _float(env, name, default):
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number.") from None


def fault_plan(env: dict | None = None) -> tuple[str, int] | None:
    """The fault the chaos suite injects (FOOTFALL_FAULT=<point>@<n>: be killed the n-th time a
    point of that name is reached), or None: never set in production."""
    value = (os.environ if env is None else env).get("FOOTFALL_FAULT") or ""
    name, _, count = value.partition("@")
    if not name:
        return None
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"FOOTFALL_FAULT={value!r}: write it as <point>@<n>, n >= 1.")
    return name, int(count)


def load_settings(env: dict | None = None) -> Settings:
    """Build the settings from FOOTFALL_* environment variables (defaults: ./var, ./keystore)."""
    env = dict(os.environ) if env is None else env
    home = Path(env.get("FOOTFALL_HOME") or "var").resolve()
    keystore = Path(env.get("FOOTFALL_KEYSTORE") or home.parent / "keystore").resolve()
    return Settings(
        home=home,
        keystore=keystore,
        registry=Path(env.get("FOOTFALL_REGISTRY") or SAMPLE_REGISTRY),
        tz=env.get("FOOTFALL_TZ") or "Asia/Tokyo",
        day_start_hour=_int(env, "FOOTFALL_DAY_START_HOUR", 4),
        delivery_grace_minutes=_int(env, "FOOTFALL_DELIVERY_GRACE_MINUTES", 60),
        k=_int(env, "FOOTFALL_K", 10),
        gap_s=_int(env, "FOOTFALL_GAP_S", 600),
        max_transit_s=_int(env, "FOOTFALL_MAX_TRANSIT_S", 3600),
        visitor_min_s=_int(env, "FOOTFALL_VISITOR_MIN_S", 300),
        flap_s=_int(env, "FOOTFALL_FLAP_S", 120),
        zones=Path(env["FOOTFALL_ZONES"]) if env.get("FOOTFALL_ZONES") else None,
        sources=Path(env["FOOTFALL_SOURCES"]) if env.get("FOOTFALL_SOURCES") else None,
        max_quarantine_rate=_float(env, "FOOTFALL_MAX_QUARANTINE_RATE", 0.10),
        raw_retention_days=_int(env, "FOOTFALL_RAW_RETENTION_DAYS", 3),
        staged_retention_days=_int(env, "FOOTFALL_STAGED_RETENTION_DAYS", 7),
        key_grace_days=_int(env, "FOOTFALL_KEY_GRACE_DAYS", 2),
        dp_epsilon=_float(env, "FOOTFALL_DP_EPSILON", 0.0),
        dp_max_sites=_int(env, "FOOTFALL_DP_MAX_SITES", 4),
        dp_max_hours=_int(env, "FOOTFALL_DP_MAX_HOURS", 8),
        dp_max_flows=_int(env, "FOOTFALL_DP_MAX_FLOWS", 3),
        gate_max_silent_share=_float(env, "FOOTFALL_GATE_MAX_SILENT_SHARE", 0.25),
        gate_min_events_ratio=_float(env, "FOOTFALL_GATE_MIN_EVENTS_RATIO", 0.5),
        recipients=tuple(r.strip() for r in (env.get("FOOTFALL_RECIPIENTS") or "").split(";") if r.strip()),
        memory_limit=env.get("FOOTFALL_MEMORY_LIMIT") or "2GB",
        threads=_int(env, "FOOTFALL_THREADS", 2),
        ingest_files=_int(env, "FOOTFALL_INGEST_FILES", 2),
    )
