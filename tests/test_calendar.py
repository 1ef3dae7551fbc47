from datetime import date, datetime, timedelta, timezone, UTC

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.calendar import (
    FiscalQuarter,
    day_of_run,
    day_type,
    is_holiday,
    last_complete_service_day,
    nightly_cron,
    quarter_of_run,
    service_day,
)
from pipeline.config import load_settings

SETTINGS = load_settings({})


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_lies_in_exactly_its_quarter(day):
    quarter = FiscalQuarter.of(day)
    assert quarter.first_day <= day <= quarter.last_day
    assert FiscalQuarter.of(quarter.last_day + timedelta(days=1)) == quarter.next()
    assert FiscalQuarter.parse(str(quarter)) == quarter


@pytest.mark.parametrize(
    "text, first, last",
    [
        ("FY2024Q1", date(2024, 4, 1), date(2024, 6, 30)),
        ("FY2024Q3", date(2024, 10, 1), date(2024, 12, 31)),
        ("FY2024Q4", date(2025, 1, 1), date(2025, 3, 31)),
    ],
)
def test_fiscal_quarters_start_in_april(text, first, last):
    quarter = FiscalQuarter.parse(text)
    assert (quarter.first_day, quarter.last_day) == (first, last)
    assert len(quarter.days()) == (last - first).days + 1


@pytest.mark.parametrize("text", ["2024Q1", "FY2024Q5", "FY24Q1", ""])
def test_bad_quarters_are_refused(text):
    with pytest.raises(ValueError, match="FY2024Q1"):
        FiscalQuarter.parse(text)


def test_the_service_day_turns_at_four_in_the_morning_local_time():
    jst = timezone(timedelta(hours=9))
    assert service_day(SETTINGS, datetime(2024, 4, 2, 3, 59, tzinfo=jst)) == date(2024, 4, 1)
    assert service_day(SETTINGS, datetime(2024, 4, 2, 4, 0, tzinfo=jst)) == date(2024, 4, 2)
    # 18:59 UTC is 03:59 in Tokyo the next morning
    assert service_day(SETTINGS, datetime(2024, 4, 1, 18, 59, tzinfo=UTC)) == date(2024, 4, 1)


def test_a_run_at_0230_processes_the_last_day_that_has_ended():
    jst = timezone(timedelta(hours=9))
    run = datetime(2024, 4, 3, 2, 30, tzinfo=jst)  # day 04-02 is still running until 04:00
    assert last_complete_service_day(SETTINGS, run) == date(2024, 4, 1)
    assert day_of_run(SETTINGS, None, run) == date(2024, 4, 1)
    assert day_of_run(SETTINGS, "2024-05-05", run) == date(2024, 5, 5)


def test_the_nightly_run_comes_after_the_day_closed_and_its_grace_and_processes_that_day():
    jst = timezone(timedelta(hours=9))
    assert nightly_cron(SETTINGS) == "0 5 * * *"  # 04:00 close + 60 min of delivery grace
    assert day_of_run(SETTINGS, None, datetime(2024, 4, 2, 5, 0, tzinfo=jst)) == date(2024, 4, 1)
    # the run of 04:30 is within the grace of 04-01: it still takes 03-31
    assert day_of_run(SETTINGS, None, datetime(2024, 4, 2, 4, 30, tzinfo=jst)) == date(2024, 3, 31)


@given(
    st.integers(0, 23),
    st.integers(0, 24 * 60 - 1),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.sampled_from(["Asia/Tokyo", "Europe/Berlin", "America/New_York"]),
)
def test_the_run_at_the_cron_time_processes_the_day_that_closed_a_grace_before(hour, grace, day, tz):
    settings = SETTINGS.with_(day_start_hour=hour, delivery_grace_minutes=grace, tz=tz)
    minute, run_hour = (int(x) for x in nightly_cron(settings).split()[:2])
    run = settings.day_bounds_local(day)[1] + timedelta(minutes=grace)  # wall-clock arithmetic
    assert (run.hour, run.minute) == (run_hour, minute)
    assert day_of_run(settings, None, run) == day
    assert day_of_run(settings, None, run - timedelta(minutes=1)) == day - timedelta(days=1)


def test_a_quarterly_run_publishes_the_quarter_whose_days_have_all_closed():
    jst = timezone(timedelta(hours=9))
    assert quarter_of_run(SETTINGS, None, datetime(2024, 7, 5, 6, tzinfo=jst)) == FiscalQuarter(2024, 1)
    assert quarter_of_run(SETTINGS, None, datetime(2024, 4, 1, 3, tzinfo=jst)) == FiscalQuarter(2023, 3)
    assert quarter_of_run(SETTINGS, None, datetime(2025, 1, 5, 6, tzinfo=jst)) == FiscalQuarter(2024, 3)
    assert quarter_of_run(SETTINGS, "FY2023Q4", datetime(2025, 1, 5, tzinfo=jst)) == FiscalQuarter(2023, 4)


def test_holidays_and_weekends():
    assert is_holiday(date(2024, 5, 6))  # 振替休日
    assert is_holiday(date(2025, 1, 2))  # New Year break
    assert day_type(date(2024, 4, 6)) == "holiday"  # Saturday
    assert day_type(date(2024, 4, 8)) == "weekday"
