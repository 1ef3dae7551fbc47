"""One masking rule for every MAC spelling the parsers read (pipeline/ingest/masking.py, the SQL macro
mask_macs): whatever mac_hex accepts as a MAC is masked, in Python and in DuckDB alike."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from pipeline.ingest.masking import mask_macs

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
