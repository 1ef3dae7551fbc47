"""What Windows tools and big posts do to a file: a UTF-8 byte order mark before line 1 (every
format, with LF or CRLF, plain or gzip), a Scanning API post of thousands of sightings on one
line; and the generic CSV's header, which is no record."""

import gzip
import json
from datetime import date

import pytest

from pipeline.ingest import formats
from pipeline.ingest.reader import parse_file
from tests.ingest.formats.test_detect_and_fuzz import SAMPLES
from tests.ingest.formats.test_json_and_generic import POST

KEY = bytes(range(32))  # a fixed key: the same MAC gives the same device in both readings
DAY = date(2024, 4, 1)
BOM = b"\xef\xbb\xbf"


def _parsed(settings, registry, path):
    events, counts = parse_file(settings, registry, path, None, DAY, KEY)
    return events.to_pylist(), {k: counts[k] for k in ("format", "records", "quarantined", "ignored_by")}


@pytest.mark.parametrize("variant", ["bom", "bom-crlf", "bom-crlf-gzip"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_byte_order_mark_changes_nothing_in_any_format(tmp_path, settings, registry, name, variant):
    plain = tmp_path / f"plain-{name}"
    plain.write_bytes(("\n".join(SAMPLES[name]) + "\n").encode())
    data = BOM + plain.read_bytes()
    if "crlf" in variant:
        data = data.replace(b"\n", b"\r\n")
    marked = tmp_path / f"{variant}-{name}"
    marked.write_bytes(gzip.compress(data) if variant.endswith("gzip") else data)
    assert formats.detect(marked) == name
    assert _parsed(settings, registry, marked) == _parsed(settings, registry, plain)


def _post(observations: int) -> dict:
    post = json.loads(json.dumps(POST))
    first = post["data"]["observations"][0]
    post["data"]["observations"] = [
        {**first, "clientMac": f"80:d6:05:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}"}
        for n in range(observations)
    ]
    return post


def test_a_scanning_post_of_thousands_of_sightings_on_one_line_is_read(tmp_path, settings, registry):
    line = json.dumps(_post(4000))
    assert len(line) > 1 << 20  # over the 1 MB of a syslog line
    path = tmp_path / "scan-20240401.jsonl"
    path.write_text(line + "\n" + json.dumps(_post(2)) + "\n")
    events, counts = _parsed(settings, registry, path)
    assert counts["format"] == "meraki_scanning" and counts["quarantined"] == {}
    assert len({e["device"] for e in events}) == 4000 and {e["record"] for e in events} == {1, 2}


def test_json_lines_over_16_mb_and_syslog_lines_over_1_mb_stay_quarantined(tmp_path, settings, registry):
    huge = json.dumps({**_post(1), "pad": "x" * (16 << 20)})
    path = tmp_path / "scan-20240401.jsonl"
    path.write_text(json.dumps(_post(1)) + "\n" + huge + "\n")
    events, counts = _parsed(settings, registry, path)
    assert counts["quarantined"] == {"line_size_over_maximum": 1} and {e["record"] for e in events} == {1}
    line = SAMPLES["hostapd"][0]
    path = tmp_path / "ap-20240401.log"
    path.write_text(line + "\n" + line + " " + "x" * (1 << 20) + "\n")
    events, counts = _parsed(settings, registry, path)
    assert counts["quarantined"] == {"line_size_over_maximum": 1} and len(events) == 1


def test_the_generic_csv_header_is_no_record(tmp_path, settings, registry):
    path = tmp_path / "export-20240401.csv"
    path.write_bytes(BOM + "\r\n".join(SAMPLES["generic_csv"] * 2).encode() + b"\r\n")  # appended twice
    events, counts = _parsed(settings, registry, path)
    assert len(events) == 2 and counts["records"] == 2
    assert counts["ignored_by"] == {} and counts["quarantined"] == {}
