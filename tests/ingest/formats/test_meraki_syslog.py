"""Meraki syslog `events` lines, as the MR access points send them, through the real ingestion."""

import gzip
import re

import duckdb
import pytest
from pipeline.ingest import landing
from pipeline.ingest import reader
from pipeline.ingest.pseudonym import day_key, pseudonym

AP = "OITA-001-AP01"  # an AP名 of the sample registry
ASSOC = (
    "Apr  1 08:12:41 10.20.0.5 1 1711926761.758479505 {ap} events type=association radio='1' "
    "vap='0' client_mac='{mac}' channel='36' reason='0' aid='1803089263' rssi='37'"
)
DISASSOC = (
    "Apr  1 08:42:41 10.20.0.5 1 1711928561.000000000 {ap} events type=disassociation "
    "radio='1' vap='0' client_mac='{mac}' channel='36' reason='8' instigator='2' "
    "duration='1800.000' auth_neg_failed='0'"
)
SPLASH = (
    "Apr  1 08:13:00 10.20.0.5 1 1711926780.1 {ap} events type=splash_auth ip='10.0.0.7' "
    "mac='{mac}' duration='3600' vap='2'"
)
OTHER = "Apr  1 08:13:00 10.20.0.5 1 1711926780.1 {ap} events type=wpa_deauth radio='1' vap='0'"


def run(settings, registry, lines, name="meraki.log", opener=open):
    path = settings.home / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with opener(path, "wt") as handle:
        handle.write("\n".join(lines) + "\n")
    (file_id,) = landing.land(settings, [path])
    result = reader.ingest_file(settings, registry, file_id, settings.landing / file_id / name)
    con = duckdb.connect()
    events = (
        con.sql(f"select * from read_parquet('{settings.events}/*/*.parquet') order by record")
        if result.events_by_day
        else None
    )
    events = events.fetchall() if events is not None else []
    quarantine = sorted(settings.quarantine.glob("*.parquet"))
    quarantined = con.sql(f"select * from read_parquet('{quarantine[0]}')").fetchall() if quarantine else []
    return result, events, quarantined


def test_association_and_disassociation_become_a_session(settings, registry):
    mac = "80:d6:05:12:34:56"
    result, events, _ = run(
        settings, registry, [ASSOC.format(ap=AP, mac=mac), DISASSOC.format(ap=AP, mac=mac)]
    )
    assert result.fmt == "meraki_syslog" and result.records == 2
    (day,) = result.events_by_day
    assert str(day) == "2024-04-01"  # 08:12 JST
    key = day_key(settings.keystore, day)
    kinds = [(e[3], e[1], e[2], e[4], e[5]) for e in events]
    device = pseudonym(key, 0x80D605123456)
    assert kinds == [
        ("assoc", "OITA-001-01", device, 37, None),
        ("disassoc", "OITA-001-01", device, None, 1800),
    ]
    assert events[0][0].isoformat() == "2024-03-31T23:12:41.758479+00:00"


@pytest.mark.parametrize(
    "spelling", ["80:D6:05:12:34:56", "80-d6-05-12-34-56", "80d6.0512.3456", "80D605123456"]
)
def test_every_mac_spelling_is_one_device(settings, registry, spelling):
    _, events, _ = run(
        settings, registry, [ASSOC.format(ap=AP, mac=spelling), SPLASH.format(ap=AP, mac="80:d6:05:12:34:56")]
    )
    assert len({e[2] for e in events}) == 1 and [e[3] for e in events] == ["assoc", "seen"]


def test_bad_records_are_quarantined_with_reason_and_allow_listed_fields_only(settings, registry):
    lines = [
        ASSOC.format(ap=AP, mac="80:d6:05:12:34:56"),
        ASSOC.format(ap="NOT-IN-REGISTRY", mac="80:d6:05:12:34:57"),
        ASSOC.format(ap=AP, mac="80:d6:05:12:34"),
        ASSOC.format(ap=AP, mac="80:d6:05:12:34:58")[:60],  # truncated when the disk filled
        OTHER.format(ap=AP),
        "",
        "\x00\x01garbage 80d605123459 \xff",
    ]
    result, events, quarantined = run(settings, registry, lines)
    assert len(events) == 1
    assert result.quarantined == {"bad_mac": 1, "unknown_ap": 1}
    # another event type, an empty line, and two lines no format reads: counted, not kept
    assert result.ignored == 4
    assert [(q[1], q[2], q[3], q[4], q[5], q[6]) for q in quarantined] == [
        (2, "unknown_ap", "meraki_syslog", "events", "association", "NOT-IN-REGISTRY"),
        (3, "bad_mac", "meraki_syslog", "events", "association", AP),
    ]
    assert all(q[7] is not None for q in quarantined)  # the time is kept
    assert not re.search(r"80[:\-]?d6", " ".join(map(str, quarantined)), re.I)


def test_gzip_files_are_read_like_plain_ones(settings, registry):
    result, events, _ = run(
        settings,
        registry,
        [ASSOC.format(ap=AP, mac="80:d6:05:12:34:56")],
        name="meraki.log.gz",
        opener=gzip.open,
    )
    assert result.records == 1 and len(events) == 1


def test_unreadable_lines_keep_their_line_number_and_do_not_stop_the_file(settings, registry):
    good = ASSOC.format(ap=AP, mac="80:d6:05:12:34:56")
    path = settings.home / "mixed.log"
    path.parent.mkdir(parents=True)
    path.write_bytes(
        b"\n".join(
            [
                good.encode(),
                b"bad \xff\xfe client_mac='80:d6:05:ca:fe:02'",
                b"\xc3",
                good.replace("34:56", "34:57").encode(),
            ]
        )
        + b"\n"
    )
    (file_id,) = landing.land(settings, [path])
    result = reader.ingest_file(settings, registry, file_id, settings.landing / file_id / "mixed.log")
    assert result.records == 4 and result.quarantined == {"invalid_encoding": 2}
    events = duckdb.sql(
        f"select record from read_parquet('{settings.events}/*/*.parquet') order by record"
    ).fetchall()
    assert events == [(1,), (4,)]
    (quarantine,) = settings.quarantine.glob("*.parquet")
    rows = duckdb.sql(f"select * from read_parquet('{quarantine}')").fetchall()
    assert [r[1] for r in rows] == [2, 3] and "ca:fe" not in str(rows)


def test_staged_events_follow_the_data_contract(parse):
    import pyarrow.parquet as pq

    from pipeline.ingest.reader import EVENT_SCHEMA

    out = parse([ASSOC.format(ap=AP, mac="80:d6:05:12:34:56")])
    (path,) = out.settings.events.glob("*/*.parquet")
    schema = pq.read_schema(path)
    assert [(f.name, f.type) for f in schema] == [(f.name, f.type) for f in EVENT_SCHEMA]
