"""The cheap paths of the syslog stamps give the same instant as the full ones, for every stamp
shape the parsers read: Cisco's zoned stamp only where needs_zoned says the BSD stamp may not say it
all, and a stamp's naive time computed once (bsd_naive, zoned_naive) before year_near."""

from __future__ import annotations

import pytest
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st


# The gated path, as sql/ingest/formats/cisco_wlc.sql computes it (stamp columns first), and the full one.
GATED = """
with lines as (select ? as line),
stamps as (select line, bsd_stamp(line) as bsd from lines),
stamped as (
    select *, case when needs_zoned(line, bsd) then zoned_stamp(line) end as zoned,
           bsd_naive(bsd, date '2024-11-28') as local_time
    from stamps
),
zoned_local as (select *, zoned_naive(zoned, date '2024-11-28') as zoned_time from stamped)
select zoned_syslog_ts(line, bsd, local_time, zoned, zoned_time, date '2024-11-28', 'Asia/Tokyo'),
       coalesce(
           try_cast(nullif(regexp_extract(line, '^(?:<\\d+>\\d?\\s*)?(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:?\\d{2}))', 1), '') as timestamptz),
           timezone('Asia/Tokyo', try_cast(nullif(regexp_extract(line, '^(?:<\\d+>\\d?\\s*)?(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?)\\s', 1), '') as timestamp)),
           zoned_ts(zoned_stamp(line), date '2024-11-28', 'Asia/Tokyo'))
from zoned_local
"""


@st.composite
def cisco_lines(draw):
    """A controller's line: a priority and sequence number or not, a BSD stamp with or without a
    year before or after the time, a fraction, a zone word (known or not), then a message that
    may hold another stamp."""
    prefix = draw(st.sampled_from(["", "<189>", "<190>201477: ", "<189>104233: *", "*", "WLC001: *"]))
    month = draw(st.sampled_from(["Jan", "Mar", "Sep", "Nov", "Dec"]))
    day = draw(st.integers(1, 28))
    day_text = draw(st.sampled_from([f"{day:2d}", f"{day:02d}", str(day)]))
    year = draw(st.sampled_from(["", "2023", "2024", "2025"]))
    before = draw(st.booleans())
    hms = f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}:{draw(st.integers(0, 59)):02d}"
    frac = draw(st.sampled_from(["", ".1", ".912", ".123456", ".1234567"]))
    zone = draw(st.sampled_from(["", " UTC", " JST", "UTC", " CEST", " IST", " Singapo", " ESTIMATE"]))
    stamp = f"{month} {day_text} {year + ' ' if year and before else ''}{hms}{frac}"
    stamp += f" {year} " if year and not before else ""
    host = draw(
        st.sampled_from([": ", " 10.20.0.3 wlc01: ", ": %CLIENT_ORCH_LOG-6-CLIENT_ADDED_TO_RUN_STATE: "])
    )
    rest = draw(
        st.sampled_from(
            [
                "*apfMsConnTask_2: Apr 01 05:08:56.000: Client Association: Client MAC:50:84:f3:9a:45:15",
                "R0/0: wncd: Username entry (x) joined with ssid (y) for device with MAC: 80d6.0512.3456",
                "%DOT11-6-ASSOC: Interface Dot11Radio0, Station 80d6.0512.3456 Associated KEY_MGMT[WPAv2 PSK]",
            ]
        )
    )
    return f"{prefix}{stamp}{zone}{host}{rest}"


@hsettings(max_examples=300, deadline=None)
@given(line=cisco_lines())
def test_cisco_gated_stamp_is_the_full_zoned_stamp(macros, line):
    gated, full = macros.execute(GATED, [line]).fetchall()[0]
    assert gated == full, line


@pytest.mark.parametrize(
    "line",
    [
        "<189>104233: Mar  2 2025 08:15:07.912 UTC: %CLIENT_ORCH_LOG-6-CLIENT_DELETED: x",
        "*Sep 13 09:02:11.123 JST: %CLIENT_ORCH_LOG-6-CLIENT_ADDED_TO_RUN_STATE: x",
        "Apr 01 05:08:56 10.20.0.3 wlc01: *apfMsConnTask_2: Apr 01 05:08:56.000: Client Association:",
        "Jan  4 23:59:59 2024 UTC: x",
        "2024-04-01T05:08:56+09:00 wlc01 x",
    ],
)
def test_cisco_gated_stamp_named_shapes(macros, line):
    gated, full = macros.execute(GATED, [line]).fetchall()[0]
    assert gated is not None and gated == full


@hsettings(max_examples=200, deadline=None)
@given(
    month=st.sampled_from(["Jan", "Feb", "Nov", "Dec"]),
    day=st.integers(1, 28),
    year=st.sampled_from(["", "2023", "2024"]),
    frac=st.sampled_from(["", ".5", ".123456789"]),
    hint=st.dates(),
)
def test_bsd_naive_then_instant_is_one_parse(macros, month, day, year, frac, hint):
    """bsd_ts (stamp alone) and bsd_instant over a bsd_naive column give one instant, and it is
    the stamp read in the city's zone in the year year_near chooses."""
    stamp = f"{month} {day:2d} 08:12:41{frac}{' ' + year + ' ' if year else ' '}host x"
    one, two, naive = macros.execute(
        "with s as (select bsd_stamp(?) as bsd), n as (select bsd, bsd_naive(bsd, ?) as t from s) "
        "select bsd_ts(bsd, ?, 'Asia/Tokyo'), bsd_instant(bsd, t, ?, 'Asia/Tokyo'), t from n",
        [stamp, hint, hint, hint],
    ).fetchall()[0]
    assert one == two
    if year:
        assert naive.year == int(year)


@hsettings(max_examples=200, deadline=None)
@given(line=cisco_lines(), hint=st.dates())
def test_zoned_naive_then_instant_is_zoned_ts(macros, line, hint):
    """zoned_instant over a zoned_naive column (one parse of the time) gives zoned_ts's instant
    (which parses it again for each use inside its CASE), on any day of the file."""
    one, two = macros.execute(
        "with s as (select zoned_stamp(?) as z), n as (select z, zoned_naive(z, ?) as t from s) "
        "select zoned_ts(z, ?, 'Asia/Tokyo'), zoned_instant(z, t, ?, 'Asia/Tokyo') from n",
        [line, hint, hint, hint],
    ).fetchall()[0]
    assert one == two, line
