"""FreeRADIUS detail files, written the way FreeRADIUS writes them."""

from datetime import date

RECORD = """{header}
\tAcct-Status-Type = {status}
\tAcct-Session-Id = "{session}"
\tUser-Name = "80-D6-05-12-34-56"
\tCalling-Station-Id = "{client}"
\tCalled-Station-Id = "{called}"
\tNAS-IP-Address = {nas}
\tNAS-Identifier = "wlc01"
{extra}\tEvent-Timestamp = "Apr  1 2024 08:12:41 JST"
{timestamp}\tAcct-Unique-Session-Id = "9f2c"
"""


def record(
    status,
    header="Mon Apr  1 08:12:41 2024",
    session="S1",
    client="80-D6-05-12-34-56",
    called="0C-8D-DB-A0-8C-03:OITA_CITY_FREE_Wi-Fi",
    nas="10.20.0.1",
    seconds=None,
    epoch=None,
):
    extra = f"\tAcct-Session-Time = {seconds}\n" if seconds is not None else ""
    stamp = f"\tTimestamp = {epoch}\n" if epoch is not None else ""
    return RECORD.format(
        header=header,
        status=status,
        session=session,
        client=client,
        called=called,
        nas=nas,
        extra=extra,
        timestamp=stamp,
    ).splitlines() + [""]


def test_start_interim_stop_with_session_time_and_the_timestamp_attribute_first(parse):
    lines = (
        record("Start", epoch=1711926761)
        + record("Interim-Update", header="Mon Apr  1 08:22:41 2024", seconds=600)
        + record("Stop", header="Mon Apr  1 08:42:41 2024", seconds=1800, epoch=1711928561)
    )
    out = parse(lines, name="detail-20240401")
    assert out.result.fmt == "radius_detail"
    assert out.summary() == [
        ("start", "OITA-001-01", "2024-03-31T23:12:41+00:00", None),
        ("interim", "OITA-001-01", "2024-03-31T23:22:41+00:00", 600),
        ("stop", "OITA-001-01", "2024-03-31T23:42:41+00:00", 1800),
    ]
    assert [e["record"] for e in out.events] == [1, 13, 25]  # the header line of each record
    assert len({e["device"] for e in out.events}) == 1
    assert out.events[0]["device"] == out.device("80d605123456", date(2024, 4, 1))


def test_called_station_as_a_bare_mac_or_with_ssid_in_other_spellings(parse):
    lines = record("Start", called="0c8ddba08c03", session="A") + record(
        "Start", called="0c8d.dba0.8c02:OITA", session="B", client="80d6.0512.3457"
    )
    out = parse(lines)
    assert [e["ap_id"] for e in out.events] == ["OITA-001-01", "OITA-001-01"]
    assert len({e["device"] for e in out.events}) == 2


def test_accounting_on_closes_every_open_session_of_that_nas(parse):
    lines = (
        record("Start", session="A", client="80-D6-05-12-34-56")
        + record("Start", session="B", client="80-D6-05-12-34-57", nas="10.20.0.9")
        + record("Accounting-On", header="Mon Apr  1 09:12:41 2024", session="x", client="")
        + record("Start", header="Mon Apr  1 09:30:00 2024", session="C")
    )
    out = parse(lines)
    stops = [e for e in out.events if e["kind"] == "stop"]
    # session A (same NAS) is closed at the reboot with its length; B (other NAS) and C stay open
    assert [(e["ts"].isoformat(), e["duration_s"]) for e in stops] == [("2024-04-01T00:12:41+00:00", 3600)]
    assert out.result.ignored >= 1  # the Accounting-On record itself is no event


def test_a_record_without_client_or_with_garbage_is_quarantined(parse):
    lines = record("Start", client="not-a-mac") + record("Start", client="80-D6-05-12-34")
    out = parse(lines)
    assert out.events == []
    assert out.result.quarantined == {"bad_mac": 2}
    assert "80-D6-05-12-34" not in str(out.quarantine) and "80d60512" not in str(out.quarantine)
    # the record's number, why, and what cannot identify anyone: format, program, type, AP, time
    assert [q[1:7] for q in out.quarantine] == [
        (1, "bad_mac", "radius_detail", "radius", "Start", "wlc01"),
        (12, "bad_mac", "radius_detail", "radius", "Start", "wlc01"),
    ]


def test_freeradius_4_enumerations_after_two_colons_are_read_like_version_3(parse):
    """FreeRADIUS 4 writes `Acct-Status-Type = ::Start` and adds `Packet-Type = ::Accounting-Request`."""
    v4 = [line.replace("= Start", "= ::Start") for line in record("Start", epoch=1711926761)]
    v4.insert(1, "\tPacket-Type = ::Accounting-Request")
    stop = [line.replace("= Stop", "= ::Stop") for line in record("Stop", seconds=1800, epoch=1711928561)]
    out = parse(v4 + stop, name="detail-20240401")
    assert out.summary() == [
        ("start", "OITA-001-01", "2024-03-31T23:12:41+00:00", None),
        ("stop", "OITA-001-01", "2024-03-31T23:42:41+00:00", 1800),
    ]


def test_an_auth_detail_file_is_recognised_and_its_requests_ignored_by_packet_type(parse):
    """auth_log / reply_log write detail files of Access-Requests beside the accounting ones."""
    request = ["Mon Apr  1 08:12:41 2024", "\tPacket-Type = Access-Request", '\tUser-Name = "u"']
    request += ['\tCalling-Station-Id = "80-D6-05-12-34-56"', "\tTimestamp = 1711926761", ""]
    no_type = ["Mon Apr  1 08:12:42 2024", '\tUser-Name = "u"', ""]
    out = parse(request * 2 + no_type, name="auth-detail-20240401")
    assert out.result.fmt == "radius_detail"
    assert out.events == []
    assert out.result.ignored_by == {"radius Access-Request": 2}
    assert out.result.quarantined == {"not_radius_detail": 1}


def test_a_registered_nas_identifier_wins_over_an_unregistered_called_station_name(parse):
    """A MikroTik hotspot writes its hotspot server's name in Called-Station-Id and the router's
    (the AP's) in NAS-Identifier (the outside review's finding 14: unknown_ap). A Called-Station-Id
    name the registry knows still wins, as before."""
    hotspot = [
        line.replace('"wlc01"', '"OITA-001-AP01"')
        for line in record("Start", called="hs-vlan888-hotspot", session="H")
    ]
    named = record("Start", called="OITA-001-AP01", session="N")
    out = parse(hotspot + named, name="detail-20240401")
    assert [e["ap_id"] for e in out.events] == ["OITA-001-01", "OITA-001-01"]
    assert out.result.quarantined == {}
