"""Service days, Japanese holidays and fiscal quarters (FY starts in April: FY2024Q4 = Jan-Mar 2025)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import jpholiday

from pipeline.config import Settings

_QUARTER = re.compile(r"^FY(\d{4})Q([1-4])$")


def is_holiday(day: date) -> bool:
    """A national holiday of Japan (振替休日 included), or the New Year break (Dec 29 - Jan 3)."""
    new_year = (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)
    return new_year or jpholiday.is_holiday(day)


def day_type(day: date) -> str:
    """'weekday', or 'holiday' for Saturdays, Sundays and holidays."""
    return "holiday" if day.weekday() >= 5 or is_holiday(day) else "weekday"


def service_day(settings: Settings, moment: datetime) -> date:
    """The service day a tz-aware moment belongs to (days run from day_start_hour local time)."""
    local = moment.astimezone(settings.zone)
    return (local - timedelta(hours=settings.day_start_hour)).date()


def last_complete_service_day(settings: Settings, moment: datetime) -> date:
    """The latest service day that has fully ended at a tz-aware moment."""
    return service_day(settings, moment) - timedelta(days=1)


def day_of_run(settings: Settings, requested: str | None, moment: datetime) -> date:
    """The service day a nightly run processes: the one asked for, else the last one that closed
    at least the delivery grace before the run (at 05:00 on D+1, D: it closed at 04:00)."""
    if requested:
        return date.fromisoformat(requested)
    return last_complete_service_day(settings, moment - timedelta(minutes=settings.delivery_grace_minutes))


def nightly_run_time(settings: Settings) -> time:
    """When the nightly run starts, local time: the hour a service day closes, plus the grace."""
    minutes = (settings.day_start_hour * 60 + settings.delivery_grace_minutes) % (24 * 60)
    return time(*divmod(minutes, 60))


def nightly_cron(settings: Settings) -> str:
    """The nightly schedule as cron in local time (nightly_run_time every day)."""
    at = nightly_run_time(settings)
    return f"{at.minute} {at.hour} * * *"


def quarter_of_run(settings: Settings, requested: str | None, moment: datetime) -> FiscalQuarter:
    """The fiscal quarter a quarterly run publishes: the one asked for, else the last one whose
    service days had all closed at the moment of the run."""
    if requested:
        return FiscalQuarter.parse(requested)
    current = FiscalQuarter.of(service_day(settings, moment))
    return FiscalQuarter.of(current.first_day - timedelta(days=1))


@dataclass(frozen=True, order=True)
class FiscalQuarter:
    """A quarter of the Japanese fiscal year."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> FiscalQuarter:
        match = _QUARTER.match(text.strip().upper())
        if not match:
            raise ValueError(f"{text!r} is not a fiscal quarter; write it like FY2024Q1.")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> FiscalQuarter:
        """The fiscal quarter a calendar day falls in."""
        fy = day.year if day.month >= 4 else day.year - 1
        return cls(fy, (day.month - 4) % 12 // 3 + 1)

    @property
    def first_day(self) -> date:
        month = 4 + 3 * (self.quarter - 1)
        return date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> FiscalQuarter:
        return FiscalQuarter(self.year + (self.quarter == 4), self.quarter % 4 + 1)

    def days(self) -> list[date]:
        n = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(n)]

    def __str__(self) -> str:
        return f"FY{self.year}Q{self.quarter}"
