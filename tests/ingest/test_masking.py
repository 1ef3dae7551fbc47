"""One masking rule for every MAC spelling the parsers read (pipeline/ingest/masking.py, the SQL macro
mask_macs): whatever mac_hex accepts as a MAC is masked, in Python and in DuckDB alike, and dates are
not; labels and AP names are kept only in their allow-listed shapes."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import assume, given, settings as hsettings
from hypothesis import strategies as st

from pipeline.ingest.masking import (
    AP_NAME,
    LABEL_WORD,
    MAC_RUN,
    MASK,
    MASKED,
    mask_macs,
    safe_ap_name,
    safe_label,
    safe_labels,
    safe_name,
)
from pipeline.ingest.pseudonym import text_digest
from pipeline.lake import sql as lake_sql

SEPARATORS = ":-. "


@st.composite
def spellings(draw):
    """A MAC, and a spelling of it: hex digits in either case with any separators between them."""
    digits = draw(st.text("0123456789abcdef", min_size=12, max_size=12))
    parts = []
    for i, digit in enumerate(digits):
        parts.append(digit.upper() if draw(st.booleans()) else digit)
        if i < 11 and draw(st.integers(0, 3)) == 0:
            parts.append(draw(st.sampled_from(SEPARATORS)))
    return digits, "".join(parts)


def _leaks(text: str, digits: str) -> bool:
    return digits in re.sub(r"[:\-. ]", "", text.lower())


@hsettings(max_examples=300, deadline=None)
@given(spellings(), st.sampled_from(["client {} joined", "{}", "x={};", "(STA {}) WPA"]))
def test_every_spelling_the_parser_reads_is_masked(macros, mac, context):
    digits, spelled = mac
    text = context.format(spelled)
    assert macros.execute("select mac_hex(?)", [spelled]).fetchall()[0][0] == digits
    assert not _leaks(mask_macs(text), digits)
    assert not _leaks(macros.execute("select mask_macs(?)", [text]).fetchall()[0][0], digits)


@pytest.mark.parametrize(
    "spelled",
    [
        "80d605-a1b2c3",
        "80d6-05a1-b2f1",
        "80d6:05a1:b2c4",
        "80 d6 05 a1 b2 c3",
        "80d6.05a1.b2c3",
        "80D605A1B2C3",
        "80-D6-05-A1-B2-C3",
        "80:d6:05:a1",
    ],
)
def test_the_spellings_found_unmasked_in_the_audit_are_masked(macros, spelled):
    assert mask_macs(f"sta {spelled} left") == "sta xx:xx:xx:xx:xx:xx left"
    assert (
        macros.execute("select mask_macs(?)", [f"sta {spelled} left"]).fetchall()[0][0]
        == "sta xx:xx:xx:xx:xx:xx left"
    )


def test_times_and_short_numbers_stay_readable():
    assert mask_macs("Apr  1 08:12:41 record 1234 of file 8f3e") == "Apr  1 08:12:41 record 1234 of file 8f3e"


def test_a_mac_after_an_underscore_is_masked_in_python_and_sql(macros):
    """An outside test named a file `client_3c22fbe600d3.log`: `_` is a word character, so the
    old rule's word boundary let the MAC through into the catalog and the quarantine's AP name."""
    from pipeline.ingest.masking import safe_name

    name = "client_3c22fbe600d3.log"
    assert "3c22fbe600d3" not in safe_name(name) and safe_name(name).startswith("client_")
    assert macros.execute("select mask_macs(?)", [name]).fetchone()[0] == mask_macs(name)


# What a MAC is written in, beside what surrounds it in messages, file names and labels.
MAC_SHAPES = {
    "colon": lambda d: ":".join(d[i : i + 2] for i in range(0, 12, 2)),
    "dash": lambda d: "-".join(d[i : i + 2] for i in range(0, 12, 2)),
    "dot octets": lambda d: ".".join(d[i : i + 2] for i in range(0, 12, 2)),
    "space": lambda d: " ".join(d[i : i + 2] for i in range(0, 12, 2)),
    "cisco": lambda d: ".".join(d[i : i + 4] for i in range(0, 12, 4)),
    "quads dash": lambda d: "-".join(d[i : i + 4] for i in range(0, 12, 4)),
    "quads colon": lambda d: ":".join(d[i : i + 4] for i in range(0, 12, 4)),
    "halves": lambda d: d[:6] + "-" + d[6:],
    "bare": lambda d: d,
    "cut": lambda d: ":".join(d[i : i + 2] for i in range(0, 8, 2)),  # a truncated line: 4 octets
}
WORDS = st.sampled_from(
    ["Nov", "26", "10:00:00", "2026-11-26", "20261126", "hostapd:", "wlan0:", "AP-STA-CONNECTED",
     "client_mac=", "10.20.30.41", "#123", "大分駅", "record", "of", "file", "site-20261126.log", "x"]
)  # fmt: skip
JOINS = st.sampled_from([" ", ", ", "=", "'", '"', "(", ")", "[", "]", "/", "_", "; ", "\t", "<", ">"])


def _flat(text: str) -> str:
    return re.sub(r"[:\-. ]", "", text.lower())


@hsettings(max_examples=400, deadline=None)
@given(
    st.text("0123456789abcdef", min_size=12, max_size=12),
    st.sampled_from(sorted(MAC_SHAPES)),
    st.booleans(),
    st.lists(WORDS, max_size=4),
    st.lists(WORDS, max_size=4),
    JOINS,
    JOINS,
)
def test_no_mac_shape_survives_masking(macros, digits, shape, upper, before, after, left, right):
    """Whatever shape a MAC is written in and whatever words and punctuation stand around it, no
    part of it that names the device (its last three octets; all four of a cut one) is left, in
    Python or in DuckDB."""
    spelled = MAC_SHAPES[shape](digits.upper() if upper else digits)
    head, tail = " ".join(before), " ".join(after)
    text = head + (left if head else "") + spelled + (right if tail else "") + tail
    device = digits[:8] if shape == "cut" else digits[6:]
    assume(device not in _flat(head + " " + tail))
    for masked in (mask_macs(text), macros.execute("select mask_macs(?)", [text]).fetchone()[0]):
        assert spelled.lower() not in masked.lower() and device not in _flat(masked), (text, masked)


def test_two_macs_side_by_side_and_after_a_time_are_masked_whole():
    text = "10:00:00 80:d6:05:a1:b2:c3 0c:8d:db:a0:8c:03,3c22fbe600d3_0c8ddba08c03"
    assert mask_macs(text) == f"10:00:00 {MASK} {MASK},{MASK}_{MASK}"


@hsettings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"[a-z][a-z0-9_-]{0,12}[g-z]", fullmatch=True),
    st.sampled_from(["-", "_", "."]),
    st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    st.sampled_from(["%Y%m%d", "%Y-%m-%d", "%Y%m%d-235959", "%Y%m%dT0400", "%Y-%m-%d_04-00", "%Y%m%d_0400"]),
    st.sampled_from(["", ".log", ".csv", ".jsonl", ".log.gz", ".csv.gz", ".log.1", "-central.log"]),
)
def test_a_date_stamped_file_name_survives_masking(macros, word, join, day, stamp, ext):
    """Dates and 8-digit numbers are no MAC: `site-20261126.log` is shown as it is (the old rule
    took any 8 hex digits for a cut MAC: `site-xx:xx:xx:xx:xx:xx.log`, `generic-xx:...:xxsv`)."""
    name = f"{word}{join}{day.strftime(stamp)}{ext}"
    assert safe_name(name) == name
    assert macros.execute("select mask_macs(?)", [name]).fetchone()[0] == name


@pytest.mark.parametrize(
    "text",
    [
        "site-20261126.log",
        "generic-20261126.csv",
        "record 12345678 of 2024-04-01",
        "Mar  2 2025 08:15:07.912 UTC",
    ],
)
def test_the_names_the_review_saw_mangled_are_shown_whole(macros, text):
    assert mask_macs(text) == text == macros.execute("select mask_macs(?)", [text]).fetchone()[0]


def test_the_sql_macro_masks_with_the_python_pattern():
    assert f"'{MAC_RUN}'" in lake_sql.sql_path("lake/macros").read_text()


@pytest.mark.parametrize(
    "label, shown",
    [
        ("events taro@example.jp", "events masked"),
        ("events https://portal.example.jp/x", "events masked"),
        ("portal.example.jp", "masked"),
        ("hanako-phone.example.jp", "masked"),
        ("radius 10.20.30.41", "radius masked"),
        ("csv 090-1234-5678", "csv masked"),
        ("events xx:xx:xx:xx:xx:xx", "events masked"),
        ("wevent 80d605a1b2c3", "wevent masked"),
        ("stm 501000", "stm 501000"),
        ("DOT1X-5-FAIL", "DOT1X-5-FAIL"),
        ("events wpa_deauth", "events wpa_deauth"),
        ("dnsmasq-dhcp", "dnsmasq-dhcp"),
        ("csv kind", "csv kind"),
        ("empty line", "empty line"),
        ("大分駅", "masked"),
    ],
)
def test_a_label_keeps_its_program_words_and_masks_identifiers(label, shown):
    assert safe_label(label) == shown


@hsettings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_every_safe_label_has_the_label_shape(label):
    shown = safe_label(label)
    assert len(shown) <= 60 and "@" not in shown and "://" not in shown
    assert all(LABEL_WORD.fullmatch(w) or w == MASKED for w in shown.split(" "))


def test_labels_that_become_alike_are_counted_together():
    counts = {"events taro@example.jp": 2, "events hanako@example.jp": 1, "stm 501000": 4}
    assert safe_labels(counts) == {"events masked": 3, "stm 501000": 4}


def _digest(name: str) -> str:
    return text_digest(b"k" * 32, "ap_name", name)


@pytest.mark.parametrize(
    "name", ["OITA-001-AP01", "大分駅 東口 AP-2", "MR_device_2", "U7-Lite", "TEMP-AP-99"]
)
def test_an_ap_name_in_an_ap_names_shape_is_kept(name):
    assert safe_ap_name(name, _digest) == name


@pytest.mark.parametrize(
    "name",
    [
        "shiro@example.jp",
        "https://evil.example.jp/?u=hanako@example.jp",
        "hs-unknown-hotspot.example.jp",
        "jiro.suzukiexample.jp",
        "0c:8d:db:a0:8c:03",
        "0c8ddba08c03",
        "xx:xx:xx:xx:xx:xx",
        "10.0.0.96",
        "097-534-6111",
        "A" * 65,
        " ",
    ],
)
def test_any_other_ap_name_becomes_a_marker_and_a_keyed_digest(name):
    shown = safe_ap_name(name, _digest)
    assert re.fullmatch(MASKED + r":[0-9a-f]{10}", shown) and shown == safe_ap_name(name, _digest)
    assert safe_ap_name(name, lambda name: None) == MASKED  # the day's key is destroyed


@hsettings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_every_kept_ap_name_has_the_ap_name_shape(name):
    shown = safe_ap_name(name, _digest)
    assert (AP_NAME.fullmatch(shown) and shown == name and "@" not in shown) or re.fullmatch(
        MASKED + r":[0-9a-f]{10}", shown
    )


def test_a_message_quoting_a_line_loses_its_macs_mails_and_urls():
    """DuckDB's errors quote the offending line; the message keeps the rest of it."""
    from pipeline.ingest.masking import safe_text

    said = safe_text(
        'could not convert "https://portal.example.jp/?mac=80:d6:05:12:34:61 taro@example.jp" line 3'
    )
    assert said == 'could not convert "masked-url masked@masked" line 3'
