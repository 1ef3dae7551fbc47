"""A file is read block by block: the events, quarantine and counts must not depend on where the
blocks are cut, and a RADIUS NAS restart must close sessions opened blocks earlier."""

import gzip
from datetime import date

import duckdb
import pyarrow as pa
import pytest

from pipeline.ingest import formats
from pipeline.ingest import landing
from pipeline.ingest import run
from pipeline.ingest import reader
from pipeline.ingest.formats import radius_detail
from pipeline.sim.logs import SCENARIOS
from pipeline.sim.city import simulate
from tests.conftest import make_settings
from tests.ingest.formats.test_radius_detail import record

DAY = date(2024, 4, 1)


def _staged(settings, file_id):
    """A file's staged events and quarantine, in a canonical order (blocks sort within
    themselves, so row order may differ; the rows may not)."""
    con = duckdb.connect()
    events = sorted(settings.events.glob(f"day=*/{file_id}.parquet"))
    quarantine = settings.quarantine / f"{file_id}.parquet"
    rows = (
        con.sql(
            f"select * exclude (file_id) from read_parquet({[str(e) for e in events]}) order by all"
        ).fetchall()
        if events
        else []
    )
    held = (
        con.sql(f"select * exclude (file_id) from read_parquet('{quarantine}') order by all").fetchall()
        if quarantine.exists()
        else []
    )
    return rows, held


@pytest.fixture(scope="module")
def day_files(tmp_path_factory, registry):
    settings = make_settings(tmp_path_factory.mktemp("blocks"))
    simulate(settings, registry, DAY, DAY, devices=1500, seed=3, noise=SCENARIOS["realistic"])
    return settings, sorted(settings.inbox.glob("*"))


def test_every_format_gives_the_same_result_in_tiny_blocks(day_files, registry, monkeypatch):
    settings, files = day_files
    # the syslog controllers' lines come in one central file (routed line by line), the others apart
    assert {formats.detect(f) for f in files if not f.name.startswith("syslog_")} == {
        "radius_detail",
        "meraki_scanning",
        "generic_csv",
        "generic_jsonl",
    }
    assert any(f.name.startswith("syslog_") for f in files)
    for n, path in enumerate(files):
        whole = reader.ingest_file(settings, registry, f"whole{n}", path, hint=DAY)
        with monkeypatch.context() as patch:
            patch.setattr(formats, "BLOCK_BYTES", 2048)  # hundreds of blocks a file
            tiny = reader.ingest_file(settings, registry, f"tiny{n}", path, hint=DAY)
        assert (tiny.records, tiny.ignored, tiny.quarantined, tiny.events_by_day, tiny.devices_by_day) == (
            whole.records,
            whole.ignored,
            whole.quarantined,
            whole.events_by_day,
            whole.devices_by_day,
        ), path.name
        assert _staged(settings, f"tiny{n}") == _staged(settings, f"whole{n}"), path.name
        assert whole.records > 0 and sum(whole.events_by_day.values()) > 0


def test_a_nas_restart_closes_sessions_opened_blocks_before(parse, monkeypatch):
    lines = (
        record("Start", session="A", client="80-D6-05-12-34-56")
        + record("Interim-Update", header="Mon Apr  1 08:40:00 2024", session="A", seconds=1639)
        + record("Start", session="B", client="80-D6-05-12-34-57", nas="10.20.0.9")
        + record("Start", header="Mon Apr  1 08:50:00 2024", session="D", client="80-D6-05-12-34-58")
        + record(
            "Stop", header="Mon Apr  1 09:00:00 2024", session="D", client="80-D6-05-12-34-58", seconds=600
        )
        + record("Accounting-On", header="Mon Apr  1 09:12:41 2024", session="x", client="")
    )
    monkeypatch.setattr(formats, "BLOCK_BYTES", 300)  # about one record a block
    out = parse(lines)
    stops = [(e["ts"].isoformat(), e["duration_s"], e["record"]) for e in out.events if e["kind"] == "stop"]
    # A (same NAS, last heard in its interim) is closed at the reboot with its whole length;
    # D had stopped; B is on another NAS. The implied stop carries the reset's line number.
    headers = [n for n, line in enumerate(lines, 1) if line and not line.startswith("\t")]
    assert sorted(stops) == [
        ("2024-04-01T00:00:00+00:00", 600, headers[4]),
        ("2024-04-01T00:12:41+00:00", 3600, headers[5]),
    ]


def test_a_late_record_of_a_stopped_session_does_not_reopen_it(parse, monkeypatch):
    # S stopped at 09:00; two hours of the file later, a retransmitted interim of S (08:50)
    # arrives, then the NAS restarts: S was closed by its own stop, not by the restart.
    lines = (
        record("Start", header="Mon Apr  1 08:00:00 2024", session="S", client="80-D6-05-12-34-56")
        + record(
            "Stop", header="Mon Apr  1 09:00:00 2024", session="S", client="80-D6-05-12-34-56", seconds=3600
        )
        + record("Start", header="Mon Apr  1 11:00:00 2024", session="T", client="80-D6-05-12-34-57")
        + record(
            "Interim-Update",
            header="Mon Apr  1 08:50:00 2024",
            session="S",
            client="80-D6-05-12-34-56",
            seconds=3000,
        )
        + record("Accounting-On", header="Mon Apr  1 11:30:00 2024", session="x", client="")
    )
    headers = [n for n, line in enumerate(lines, 1) if line and not line.startswith("\t")]
    whole = parse(lines)
    monkeypatch.setattr(formats, "BLOCK_BYTES", 300)  # about one record a block
    blocked = parse(lines, compress=True)  # other bytes, the same lines: landed anew
    for out in (whole, blocked):
        stops = sorted((e["ts"].isoformat(), e["record"]) for e in out.events if e["kind"] == "stop")
        # T is closed by the restart; S only by its own stop
        assert stops == [("2024-04-01T00:00:00+00:00", headers[1]), ("2024-04-01T02:30:00+00:00", headers[4])]


def test_blocks_end_at_the_cut_and_lose_no_byte(tmp_path):
    data = b"".join(b"line %d\n" % i + (b"\n" if i % 3 == 0 else b"") for i in range(500))
    path = tmp_path / "f.log.gz"
    path.write_bytes(gzip.compress(data))
    for cut in (formats.LINE_ENDS, radius_detail.CUT):
        parts = list(formats.blocks(path, cut, size=64))
        assert b"".join(parts) == data and len(parts) > 10
        assert all(part.endswith(cut) for part in parts[:-1])
    assert list(formats.blocks(path, None, size=64)) == [data]


def test_a_crlf_is_never_split_between_blocks(tmp_path):
    data = b"".join(b"line %03d\r\n" % i for i in range(300))
    path = tmp_path / "crlf.log"
    path.write_bytes(data)
    for size in range(5, 40):  # block reads ending at every offset of a line
        parts = list(formats.blocks(path, formats.LINE_ENDS, size=size))
        assert b"".join(parts) == data and all(part.endswith(b"\r\n") for part in parts)


def test_a_file_without_its_cut_is_still_read_in_bounded_blocks(tmp_path):
    path = tmp_path / "garbage.log"
    path.write_bytes(b"no blank line\n" * 1000 + b"x" * 5000)  # RADIUS cut never comes
    parts = list(formats.blocks(path, radius_detail.CUT, size=256))
    assert b"".join(parts) == path.read_bytes()
    assert max(map(len, parts)) <= 5 * 256 and len(parts) > 10
    # at a line end while there are lines; the overlong last "line" anywhere
    assert all(part.endswith(b"\n") for part in parts if b"\n" in part)


def test_lines_are_numbered_across_blocks_even_where_the_fast_splitter_refuses(tmp_path):
    fast = formats.numbered_lines(b"a\r\nb\n\nc", 10)
    assert fast.to_pydict() == {"record": [10, 11, 12, 13], "bytes": [b"a", b"b", b"", b"c"]}
    odd = formats.numbered_lines(b"a\x1fb\r\n\xff\rc\n", 5)  # a unit separator: the regex splitter
    assert odd.to_pydict() == {"record": [5, 6, 7], "bytes": [b"a\x1fb", b"\xff", b"c"]}
    assert odd.schema == fast.schema == pa.schema([("record", pa.int64()), ("bytes", pa.large_binary())])


def test_files_ingested_two_at_once_stage_what_one_at_a_time_does(day_files, tmp_path):
    _, files = day_files
    keystore = str(tmp_path / "keystore")  # one key a day for both, so pseudonyms compare
    staged = []
    for at_once in ("1", "2"):
        settings = make_settings(
            tmp_path / at_once, FOOTFALL_INGEST_FILES=at_once, FOOTFALL_KEYSTORE=keystore
        )
        ids = landing.land(settings, files, year_hint=DAY)
        totals = run.ingest_pending(settings)
        assert totals.files == len(files) == len(ids)
        staged.append((totals, {file_id: _staged(settings, file_id) for file_id in ids}))
    assert staged[0] == staged[1]


@pytest.mark.parametrize("first", [50, 0, 1])
def test_blocks_read_straight_and_routed_give_what_the_whole_file_gives(
    settings, registry, monkeypatch, first
):
    # A hostapd file whose middle holds other programs' lines: in tiny blocks, most blocks hold
    # only hostapd's station events (read straight as hostapd) and some the others too (routed:
    # found while read straight, or from the file's first lines); read whole, the one block is
    # routed. The events, quarantine and counts are the same.
    client = [
        f"Apr  1 08:{n % 60:02d}:41 OITA-001-AP01 hostapd: phy0-ap0: AP-STA-"
        f"{'CONNECTED' if n % 2 == 0 else 'DISCONNECTED'} 80:d6:05:12:34:{n // 2:02x}"
        for n in range(80)
    ]
    others = [
        "Apr  1 09:00:00 OITA-001-AP01 dnsmasq-dhcp[2985]: DHCPACK(br-lan) 192.168.1.2",
        "Apr  1 09:00:01 OITA-001-AP01 hostapd: phy0-ap0: STA 80:d6:05:12:34:56 WPA: "
        "pairwise key handshake completed (RSN)",
        "",
        "Apr  1 09:00:02 OITA-001-AP01 kernel: [15084.641567] ieee80211 phy0: staid 3 deleted",
        "Apr  1 09:00:03 OITA-999-AP09 hostapd: phy0-ap0: AP-STA-CONNECTED 80:d6:05:12:34:99",
    ]
    path = settings.home / "hostapd_20240401.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(client[:first] + others + client[first:]) + "\n")
    whole = reader.ingest_file(settings, registry, "whole", path, hint=DAY)
    monkeypatch.setattr(formats, "BLOCK_BYTES", 256)  # 3 lines a block
    tiny = reader.ingest_file(settings, registry, "tiny", path, hint=DAY)
    assert whole.fmt == tiny.fmt == "hostapd"
    assert (
        tiny.records,
        tiny.ignored,
        tiny.ignored_by,
        tiny.quarantined,
        tiny.events_by_day,
        tiny.devices_by_day,
    ) == (
        whole.records,
        whole.ignored,
        whole.ignored_by,
        whole.quarantined,
        whole.events_by_day,
        whole.devices_by_day,
    )
    assert _staged(settings, "tiny") == _staged(settings, "whole")
    assert whole.records == 85 and sum(whole.events_by_day.values()) == 80
    assert whole.ignored_by == {"dnsmasq-dhcp": 1, "empty line": 1, "hostapd": 1, "kernel": 1}
    assert whole.quarantined == {"unknown_ap": 1}
