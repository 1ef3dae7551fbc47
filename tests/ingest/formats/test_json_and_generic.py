"""Meraki Scanning API posts and the documented CSV / JSON Lines layouts."""

import json

POST = {
    "version": "3.0",
    "secret": "s",
    "type": "WiFi",
    "data": {
        "networkId": "N_1",
        "observations": [
            {
                "clientMac": "80:d6:05:12:34:56",
                "ssid": "OITA_CITY_FREE_Wi-Fi",
                "latestRecord": {
                    "time": "2024-03-31T23:12:41Z",
                    "nearestApMac": "0c:8d:db:a0:8c:03",
                    "nearestApRssi": -45,
                },
                "locations": [
                    {
                        "time": "2024-03-31T23:10:00Z",
                        "lat": 33.23,
                        "lng": 131.6,
                        "rssiRecords": [
                            {"apMac": "0c:8d:db:fd:d6:1f", "rssi": -60},
                            {"apMac": "0c:8d:db:a0:8c:02", "rssi": -48},
                        ],
                    }
                ],
            },
            {
                "clientMac": "80:d6:05:12:34:57",
                "latestRecord": {
                    "time": 1711926900,
                    "nearestApMac": "0c:8d:db:a0:8c:03",
                    "nearestApRssi": -70,
                },
                "locations": [],
            },
        ],
    },
}


def test_scanning_api_posts_as_json_lines(parse):
    other = json.loads(json.dumps(POST))
    other["data"]["observations"] = [{"latestRecord": {"time": "2024-03-31T23:20:00Z"}}]  # no MAC
    out = parse([json.dumps(POST), "{not json", json.dumps(other)], name="scanning.jsonl")
    assert out.result.fmt == "meraki_scanning"
    seen = sorted((e["ts"].isoformat(), e["ap_id"], e["rssi"]) for e in out.events)
    assert seen == [
        ("2024-03-31T23:10:00+00:00", "OITA-001-01", -48),
        ("2024-03-31T23:10:00+00:00", "OITA-001-02", -60),
        ("2024-03-31T23:12:41+00:00", "OITA-001-01", -45),
        ("2024-03-31T23:15:00+00:00", "OITA-001-01", -70),
    ]
    assert {e["kind"] for e in out.events} == {"seen"} and {e["record"] for e in out.events} == {1}
    assert out.result.quarantined == {"bad_json": 1, "missing_mac": 1}


def test_bluetooth_posts_are_no_devices_and_posts_dumped_back_to_back_are_split(parse):
    ble = {
        "version": "3.0",
        "secret": "s",
        "type": "Bluetooth",
        "data": {
            "networkId": "N_1",
            "observations": [
                {
                    "clientMac": "f0:18:98:00:00:01",
                    "latestRecord": {
                        "time": "2024-03-31T23:12:41Z",
                        "nearestApMac": "0c:8d:db:a0:8c:03",
                        "nearestApRssi": -70,
                    },
                }
            ],
        },
    }
    status = {"version": "3.0", "type": "WiFi-health-check"}  # JSON, but no post of sightings
    line = json.dumps(POST, separators=(",", ":")) + json.dumps(ble, separators=(",", ":"))
    out = parse([line, json.dumps(status)], name="receiver-20240401.jsonl")
    assert out.result.fmt == "meraki_scanning" and len(out.events) == 4  # the WiFi post's only
    assert out.result.ignored_by == {"scanning Bluetooth": 1, "scanning WiFi-health-check": 1}
    assert out.result.quarantined == {}


def test_a_file_of_posts_dumped_back_to_back_is_read_whole_and_split(parse):
    """A receiver's dump whose first line is no JSON document is read whole: its posts, back to
    back, are split all the same, each numbered by the line it starts on."""
    first = json.dumps(POST, separators=(",", ":"))
    head, tail = first.split('"data":', 1)
    lines = [head + '"data":', "", tail + first]  # post 1 over lines 1-3, post 2 after it on line 3
    out = parse(lines, name="receiver-dump.json")
    assert out.result.fmt == "meraki_scanning" and out.result.quarantined == {}
    assert sorted({e["record"] for e in out.events}) == [1, 3] and len(out.events) == 8


def test_one_indented_post_per_file(parse):
    out = parse(json.dumps(POST, indent=2).splitlines(), name="post.json")
    assert out.result.fmt == "meraki_scanning" and len(out.events) == 4


def test_generic_csv(parse):
    lines = [
        "ts,ap,client_mac,kind,rssi,duration_s",
        "2024-04-01T08:12:41+09:00,OITA-001-AP01,80:d6:05:12:34:56,assoc,-52,",
        "2024-04-01 08:42:41,OITA-001-01,80-D6-05-12-34-56,disassoc,,1800",
        "1711928561,0c:8d:db:a0:8c:03,80d605123456,seen,,",
        "2024-04-01T08:50:00,OITA-001-AP01,80:d6:05:12:34:56,teleport,,",
    ]
    out = parse(lines, name="export.csv")
    assert out.result.fmt == "generic_csv"
    assert out.summary() == [
        ("assoc", "OITA-001-01", "2024-03-31T23:12:41+00:00", None),
        ("disassoc", "OITA-001-01", "2024-03-31T23:42:41+00:00", 1800),
        ("seen", "OITA-001-01", "2024-03-31T23:42:41+00:00", None),
    ]
    assert out.result.quarantined == {"bad_kind": 1}


def test_generic_json_lines(parse):
    rows = [
        {
            "ts": "2024-04-01T08:12:41+09:00",
            "ap": "OITA-001-AP01",
            "client_mac": "80:d6:05:12:34:56",
            "kind": "start",
            "rssi": None,
            "duration_s": None,
        },
        {
            "ts": "2024-04-01T08:42:41+09:00",
            "ap": "OITA-001-AP01",
            "client_mac": "80:d6:05:12:34:56",
            "kind": "stop",
            "duration_s": 1800,
        },
    ]
    out = parse([json.dumps(r) for r in rows], name="export.jsonl")
    assert out.result.fmt == "generic_jsonl"
    assert [(s[0], s[3]) for s in out.summary()] == [("start", None), ("stop", 1800)]
