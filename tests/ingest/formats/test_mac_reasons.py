"""One rule for a client event's MAC in every format: a word where the MAC stands that is not a
MAC (redacted, cut) is `bad_mac`; no MAC at all is `missing_mac`. Whatever the message id (Aruba's
501100, 501080, 501102, 501105) or the spelling of the event."""

from datetime import date

import pytest

ARUBA_HEAD = "Jun  4 14:49:11 2024 10.20.0.2 stm[3345]: "
ARUBA_AP = ": AP 10.20.1.11-0c:8d:db:a0:8c:03-OITA-001-AP01"
ARUBA = {
    "501100": "<501100> <NOTI> |AP OITA-001-AP01@10.20.1.11 stm|  Assoc success @ 14:49:11.809533: {mac}"
    + ARUBA_AP,
    "501080": "<501080> <NOTI> |AP OITA-001-AP01@10.20.1.11 stm|  Deauth to sta: {mac}: Ageout AP "
    "10.20.1.11-0c:8d:db:a0:8c:03-OITA-001-AP01 STA has roamed to another AP",
    "501102": "<501102> <NOTI> |AP OITA-001-AP01@10.20.1.11 stm|  Disassoc from sta: {mac}" + ARUBA_AP,
    "501105": "<501105> <NOTI> |AP OITA-001-AP01@10.20.1.11 stm|  Deauth from sta: {mac}"
    + ARUBA_AP
    + " Reason STA has left",
    "501098": "<501098> <NOTI> |AP OITA-001-AP01@10.20.1.11 stm|  Deauth to sta: {mac}: Moved out from AP "
    "10.20.1.11-0c:8d:db:a0:8c:03-OITA-001-AP01 to new AP 10.20.1.12-0c:8d:db:a0:8c:04-OITA-001-AP02",
}
# the Aruba redaction seen in a public sample (b4:f1:da:<MAC: 7jhQ59up>), and cut or x-ed out MACs
REDACTED = ["b4:f1:da:<MAC: 7jhQ59up>", "84:b1:e4:6e:xx:xx", "xx:xx:xx:xx:xx:xx", "80:d6:05:12:34"]

OTHERS = {  # format: (line with {mac}, the same event with no MAC at all)
    "hostapd": (
        "Apr  1 08:12:41 OITA-001-AP01 hostapd: phy0-ap0: AP-STA-CONNECTED {mac} auth_alg=open",
        "Apr  1 08:12:41 OITA-001-AP01 hostapd: phy0-ap0: AP-STA-CONNECTED",
    ),
    "unifi": (
        "Apr  1 08:12:41 OITA-001-AP01 U7PG2,0c8ddba08c03,v4.3.28.11361: wevent[2042]: "
        "wevent.ubnt_custom_event(): EVENT_STA_JOIN ath0: {mac} / 1",
        "Apr  1 08:12:41 OITA-001-AP01 U7PG2,0c8ddba08c03,v4.3.28.11361: wevent[2042]: "
        "wevent.ubnt_custom_event(): EVENT_STA_JOIN",
    ),
    "cisco_wlc": (
        "Apr  1 08:12:41 10.20.0.3 wlc01: *apfMsConnTask_2: Apr 01 08:12:41.123: Client "
        "Association: Client MAC:{mac} Base Radio MAC:0c:8d:db:a0:8c:03 Slot: 1",
        "Apr  1 08:12:41 10.20.0.3 wlc01: *apfMsConnTask_2: Apr 01 08:12:41.123: Client "
        "Association: Base Radio MAC:0c:8d:db:a0:8c:03 Slot: 1",
    ),
    "generic_csv": (
        "ts,ap,client_mac,kind,rssi,duration_s\n2024-04-01T08:12:41+09:00,OITA-001-AP01,{mac},assoc,-52,",
        "ts,ap,client_mac,kind,rssi,duration_s\n2024-04-01T08:12:41+09:00,OITA-001-AP01,,assoc,-52,",
    ),
}
DOT11 = (
    "Apr  1 08:12:41 OITA-001-AP01 11600: *Apr  1 08:12:41.608: %DOT11-6-ASSOC: Interface "
    "Dot11Radio1, Station {mac} Associated KEY_MGMT[WPAv2 PSK]"
)


def _reasons(parse, lines, fmt, name):
    out = parse(lines, name=name, fmt=fmt, hint=date(2024, 4, 1))
    return out.result.quarantined, out.events


@pytest.mark.parametrize("code", sorted(ARUBA))
def test_aruba_redacted_is_bad_and_absent_is_missing_whatever_the_message_id(parse, code):
    lines = [ARUBA_HEAD + ARUBA[code].format(mac=mac) for mac in REDACTED]
    assert _reasons(parse, lines, "aruba_stm", f"a{code}.log") == ({"bad_mac": len(REDACTED)}, [])
    absent = ARUBA_HEAD + ARUBA[code].format(mac="").replace(": : ", ": ").replace(":  ", ": ")
    assert _reasons(parse, [absent.rstrip(": ")], "aruba_stm", f"b{code}.log")[0] == {"missing_mac": 1}


@pytest.mark.parametrize("fmt", sorted(OTHERS))
def test_other_formats_follow_the_same_rule(parse, fmt):
    with_mac, without = OTHERS[fmt]
    lines = [with_mac.format(mac=mac) for mac in REDACTED]
    if fmt == "generic_csv":  # one header, then the records
        lines = [lines[0]] + [line.split("\n")[1] for line in lines[1:]]
    name = "x.csv" if fmt == "generic_csv" else "x.log"
    assert _reasons(parse, lines, fmt, name)[0] == {"bad_mac": len(REDACTED)}
    assert _reasons(parse, [without], fmt, "y" + name[1:])[0] == {"missing_mac": 1}


def test_ios_ap_station_redacted_is_bad_mac(parse):
    lines = [DOT11.format(mac=mac) for mac in ("xxxx.xxxx.xxxx", "c0ff.eec0.xxxx")]
    assert _reasons(parse, lines, "cisco_wlc", "ap.log")[0] == {"bad_mac": 2}
    good = _reasons(parse, [DOT11.format(mac="c0ff.eec0.ffee")], "cisco_wlc", "ap2.log")
    assert good[0] == {} and len(good[1]) == 1
