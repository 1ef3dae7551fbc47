"""Every format is recognised from its first lines; no parser crashes or leaks a MAC on garbage."""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from pipeline.ingest import formats
from pipeline.ingest import landing
from pipeline.ingest import reader
from pipeline.ingest.formats import FORMATS, UnknownFormatError
from tests.conftest import make_settings, texts_of
from tests.ingest.formats.test_json_and_generic import POST
from tests.ingest.formats.test_meraki_syslog import AP, ASSOC
from tests.ingest.formats.test_radius_detail import record
from tests.ingest.formats.test_syslog_formats import ARUBA, HOSTAPD_SYSLOG, UNIFI, WLC

CANARY = "80:d6:05:ca:fe:01"
SAMPLES = {
    "radius_detail": record("Start", client=CANARY.replace(":", "-")),
    "meraki_scanning": [json.dumps(POST).replace("80:d6:05:12:34:56", CANARY)],
    "generic_jsonl": [
        json.dumps({"ts": "2024-04-01T08:00:00", "ap": AP, "client_mac": CANARY, "kind": "seen"})
    ],
    "generic_csv": ["ts,ap,client_mac,kind,rssi,duration_s", f"2024-04-01T08:00:00,{AP},{CANARY},seen,,"],
    "meraki_syslog": [ASSOC.format(ap=AP, mac=CANARY)],
    "aruba_stm": [line.replace("80:d6:05:12:34:56", CANARY) for line in ARUBA],
    "cisco_wlc": [line.replace("80:d6:05:12:34:56", CANARY) for line in WLC],
    "unifi": [line.replace("80:d6:05:12:34:56", CANARY) for line in UNIFI],
    "hostapd": [line.replace("80:d6:05:12:34:56", CANARY) for line in HOSTAPD_SYSLOG],
    # a syslog feed whose first lines hold no client event at all (other programs' lines)
    "syslog": [
        f"Apr  1 08:12:41 OITA-001-AP01 dnsmasq-dhcp[1]: DHCPACK(br-lan) 10.0.0.2 {CANARY}",
        "Apr  1 08:12:42 OITA-001-AP01 netifd: wan (1368): Lease obtained, lease time 600",
    ],
}


def test_every_format_has_a_sample():
    assert set(SAMPLES) == set(FORMATS)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_format_is_detected_from_its_first_lines(tmp_path, name):
    path = tmp_path / "file"
    path.write_text("\n".join(SAMPLES[name]) + "\n")
    assert formats.detect(path) == name


def test_an_unknown_format_lists_the_supported_ones(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("dear diary\n")
    with pytest.raises(UnknownFormatError) as error:
        formats.detect(path)
    for name in FORMATS:
        assert name in str(error.value)


def _leaks(settings, path) -> list:
    """Files outside landing that hold the canary MAC in any spelling (catalog cells included)."""
    canary = CANARY.replace(":", "").encode()
    found = []
    for out in settings.home.rglob("*"):
        if out.is_file() and "landing" not in out.parts and out != path and ".lock" not in out.suffixes:
            for text in texts_of(out):
                if canary in text.lower().replace(b":", b"").replace(b"-", b"").replace(b".", b""):
                    found.append(out)
                    break
    return found


# `make fuzz` runs this with thousands of examples (FOOTFALL_FUZZ_EXAMPLES); `make test` with 60.
@hsettings(
    max_examples=int(os.environ.get("FOOTFALL_FUZZ_EXAMPLES", 60)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fmt=st.sampled_from(sorted(SAMPLES)),
    blobs=st.lists(st.binary(max_size=80), max_size=6),
    cut=st.integers(0, 400),
    at=st.integers(0, 8),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
)
def test_garbage_and_truncation_never_crash_a_parser_nor_leak_a_mac(
    tmp_path_factory, registry, fmt, blobs, cut, at, flips
):
    settings = make_settings(tmp_path_factory.mktemp("fuzz"))
    good = bytearray("\n".join(SAMPLES[fmt]).encode())
    for position, value in flips:  # bytes changed inside the records, not only lines around them
        good[position % len(good)] = value
    lines = bytes(good).split(b"\n")
    lines[at % len(lines) : at % len(lines)] = blobs
    payload = b"\n".join(lines) + b"\n" + bytes(good[:cut]) + b"\xff\x00\n"
    path = settings.home / "fuzz.log"
    path.parent.mkdir(parents=True)
    path.write_bytes(payload)
    (file_id,) = landing.land(settings, [path])
    try:
        result = reader.ingest_file(
            settings, registry, file_id, settings.landing / file_id / "fuzz.log", fmt=fmt
        )
    except reader.IngestError as error:  # a file the format cannot read at all: said, masked
        assert CANARY.replace(":", "")[6:] not in str(error).lower().replace(":", "")
    else:
        assert result.records >= 1
    assert _leaks(settings, path) == []
