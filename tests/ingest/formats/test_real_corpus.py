"""The real corpus (tests/fixtures/real/, provenance in SOURCES.md): genuine lines of public
sources, each file giving exactly the events, ignored and quarantined records written here. The
registry of the fixtures' APs (registry.csv) is made up; the lines are not.

Expected events are (record, kind, ap_id, ts in UTC); yearless stamps are read near 2024-04-01
in Asia/Tokyo, as `footfall parse --day 2024-04-01` would.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

import pytest

from pipeline.ingest.reader import parse_file
from pipeline.ingest.registry import load_registry
from pipeline.ingest.formats import UnknownFormatError

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real"
DAY = date(2024, 4, 1)

# The Scanning API v3 receiver's dump (meraki/scanning-v3-receiver-dump.json): its WiFi posts'
# sightings, all by AP a8:46:9d:27:56:63 on 2021-11-23 (UTC), by the line each post starts on: the
# first post over lines 1-5, the eight others back to back on line 5 (two of them Bluetooth posts).
SCANNING_DUMP = (
    [(1, t) for t in ("14:01:17", "14:01:32", "14:01:38", "14:01:42", "14:01:42", "14:01:42")]
    + [(1, t) for t in ("14:01:43", "14:01:49")]
    + [
        (5, t)
        for t in (
            *["14:02:27"] * 6,
            *("14:02:33", "14:02:45", "14:02:58", "14:03:10", "14:03:36", "14:03:49"),
            *("14:03:53", "14:03:53", "14:03:53", "14:03:54", "14:03:58", "14:04:38"),
            *("14:04:39", "14:04:39", "14:04:41", "14:05:10", "14:05:25", "14:05:25"),
            *("14:05:25", "14:05:25", "14:05:50", "14:06:10", "14:06:12", "14:06:26"),
            *("14:06:51", "14:06:57", "14:06:57", "14:06:57", "14:06:57", "14:06:59"),
            *("14:06:59", "14:07:00", "14:07:22", "14:07:38", "14:07:38", "14:07:38"),
            *("14:07:53", "14:07:55", "14:07:56"),
        )
    ]
)

EXPECTED = {
    "aruba/airheads-aos8-syslog-format.log": ("aruba_stm", [], {"authmgr": 2}, {"no_ap_in_message": 2}),
    "cisco/elastic-aironet-expand-reason.log": (
        "cisco_wlc",
        [],
        {
            "AAA-3-BADSERVERTYPEERROR": 1,
            "AAA_AUDIT_MESSAGE-6-METHOD_LIST_STATE": 1,
            "APMGR_AWIPS_SYSLOG-6-APMGR_AWIPS_MESSAGE": 1,
            "CAPWAPAC_SMGR_TRACE_MESSAGE-4-AP_MSG_THRESHOLD": 1,
            "CAPWAPAC_SMGR_TRACE_MESSAGE-5-AP_JOIN_DISJOIN": 1,
            "CLIENT_EXCLUSION_SERVER-5-ADD_TO_EXCLUSIONLIST_REASON_DYNAMI": 2,
            "CLIENT_ORCH_LOG-5-ADD_TO_EXCLUSIONLIST_MAC_THEFT_REASON": 1,
            "CW_LIC-5-AP_AIR_STATE": 1,
            "DOT1X-5-FAIL": 2,
            "FMANFP-6-IPACCESSLOGDP": 1,
            "LINEPROTO-5-UPDOWN": 1,
            "MM_LOG-4-RETRIES_FAILED": 1,
            "MM_LOG-6-ANCHOR_GENERIC_INFO": 1,
            "SESSION_MGR-5-FAIL": 1,
        },
        {"no_ap_in_message": 1},
    ),
    "cisco/elastic-aironet-messages.log": (
        "cisco_wlc",
        [],
        {
            "AAA-3-INVALID_REQUEST": 1,
            "AAA-5-AAA_AUTH_ADMIN_USER": 1,
            "APF-4-MOBILESTATION_NOT_FOUND": 1,
            "APF-6-USER_NAME_CREATED": 1,
            "APF-6-USER_NAME_DELETED": 1,
            "APMGR_AWIPS_SYSLOG-6-APMGR_AWIPS_MESSAGE": 1,
            "BCAST-4-MLD_INVALID_IPV6_PKT": 1,
            "DOT11-4-CCMP_REPLAY": 1,
            "DOT1X-3-AAA_AUTH_SEND_FAIL": 1,
            "DOT1X-3-ABORT_AUTH": 1,
            "DOT1X-3-CLIENT_NOT_FOUND": 1,
            "DOT1X-3-INVALID_REPLAY_CTR": 1,
            "DOT1X-3-INVALID_WPA_KEY_STATE": 1,
            "DOT1X-3-WPA_SEND_STATE_ERR": 1,
            "DOT1X-4-MAX_EAPOL_KEY_RETRANS": 1,
            "DTL-4-ARP_ORPHANPKT_DETECTED": 1,
            "LOG-3-Q_IND": 5,
            "LOG-4-Q_IND": 1,
            "LOG-6-Q_IND": 2,
            "LWAPP-3-REPLAY_ERR": 1,
            "LWAPP-4-SIG_INFO1": 1,
            "NIM-3-ADMIN_MODE_DISABLE": 1,
            "RRM-3-RRM_LOGMSG": 2,
            "SESSION_MGR-5-FAIL": 1,
            "SISF-6-ENTRY_CHANGED": 1,
            "SISF-6-ENTRY_CREATED": 1,
            "SISF-6-ENTRY_DELETED": 1,
            "WIDS-6-SIG_ALARM_OFF": 1,
            "WPS-4-SIG_ALARM_OFF": 1,
            "WPS-4-SIG_ALARM_OFF_CONT": 1,
            "other": 1,
        },
        {"bad_mac": 1, "no_ap_in_message": 2},
    ),
    "cisco/elastic-aironet-ntp-arp-variants.log": (
        "syslog",
        [],
        {"DTL-4-ARP_ORPHANPKT_DETECTED": 1, "LOG-4-Q_IND": 5, "SNTP-4-PKT_REJECTED": 2},
        {},
    ),
    "cisco/elastic-aironet-timezone.log": (
        "cisco_wlc",
        [],
        {
            "APF-6-USER_NAME_DELETED": 1,
            "APMGR_AWIPS_SYSLOG-6-APMGR_AWIPS_MESSAGE": 1,
            "SEC-6-IPACCESSLOGP": 1,
            "SESSION_MGR-5-FAIL": 3,
            "SISF-6-ENTRY_CREATED": 1,
        },
        {},
    ),
    "cisco/elastic-ios-cisco-ios.log": (
        "syslog",
        [],
        {
            "CCH323-6-CALL_PRESERVED": 1,
            "FMANFP-6-IPACCESSLOGDP": 2,
            "FMANFP-6-IPACCESSLOGP": 6,
            "IPV6-6-ACCESSLOGP": 1,
            "IPV6_ACL-6-ACCESSLOGSP": 1,
            "OSPF-4-NOVALIDKEY": 1,
            "SEC-6-IPACCESSLOGDP": 2,
            "SEC-6-IPACCESSLOGNP": 1,
            "SEC-6-IPACCESSLOGP": 5,
            "SEC-6-IPACCESSLOGRL": 2,
            "SEC-6-IPACCESSLOGRP": 1,
            "SEC-6-IPACCESSLOGSP": 1,
            "SEC_LOGIN-5-LOGIN_SUCCESS": 1,
            "SYS-6-LOGOUT": 1,
            "UTC": 2,  # IOS XR `RP/0/RP0/CPU0:Oct 7 ... UTC: ipv4_acl_mgr[310]: %ACL-IPV4_ACL-6-...`
        },
        {},
    ),
    # IOS `logging origin-id hostname`: `<190>2361044: sw01: Jan 16 2022 22:11:43 AEST:`
    "cisco/elastic-ios-date-format-tzoffset.log": ("syslog", [], {"FOO-6-BAR": 4}, {}),
    "cisco/elastic-ios-syslog.log": (
        "syslog",
        [],
        {
            "DOT1X-5-FAIL": 2,
            "FMANFP-6-IPV6ACCESSLOGP": 2,
            "ILPOWER-5-IEEE_DISCONNECT": 1,
            "ILPOWER-5-SENSE_POWER_INVALID": 2,
            "IOSXE-6-PLATFORM": 2,
            "LINEPROTO-5-UPDOWN": 1,
            "SEC-6-IPACCESSLOGDP": 1,
            "SYS-5-CONFIG_I": 3,
            "UTC": 2,
            "rt401-rk30409": 4,  # `NTP Core (NOTICE): ...` and `last message repeated` name no program
        },
        {},
    ),
    "cisco/elastic-issue-14666.log": ("cisco_wlc", [], {}, {"no_ap_in_message": 1}),
    "cisco/otelcol-custom-testdata.log": (
        "cisco_wlc",
        [(2, "assoc", "REAL-CI-02", "2023-12-15T11:49:14.582000Z")],  # AP by `AP Name: CiscoAP-Down`
        {"SW_MATM-4-MACFLAP_NOTIF": 1, "SYS-6-CLOCKUPDATE": 1, "other": 2},
        {},
    ),
    "hostapd/bridger-issue-8.log": (
        "hostapd",
        [
            (2, "assoc", "REAL-OW-04", "2023-10-25T22:35:15Z"),
            (3, "assoc", "REAL-OW-04", "2023-10-25T22:35:15Z"),
            (9, "disassoc", "REAL-OW-04", "2023-10-25T22:35:18Z"),
            (10, "disassoc", "REAL-OW-04", "2023-10-25T22:35:18Z"),
        ],
        {"dnsmasq-dhcp": 2, "hostapd": 6},
        {},
    ),
    "hostapd/mwlwifi-issue-210.log": (
        "hostapd",
        [
            (1, "disassoc", "REAL-OW-08", "2017-08-29T06:53:24Z"),
            (3, "assoc", "REAL-OW-08", "2017-08-29T06:53:25Z"),
            (7, "assoc", "REAL-OW-08", "2017-08-29T06:53:25Z"),
            (13, "disassoc", "REAL-OW-08", "2017-08-29T06:58:25Z"),
        ],
        {"hostapd": 6, "igmpproxy": 1, "kernel": 2},
        {},
    ),
    "hostapd/openwrt-hass-issue-22.log": (
        "hostapd",
        [
            (1, "assoc", "REAL-OW-05", "2023-11-26T22:23:58Z"),
            (2, "assoc", "REAL-OW-05", "2023-11-26T22:23:58Z"),
            (3, "assoc", "REAL-OW-05", "2023-11-26T22:23:58Z"),
            (4, "assoc", "REAL-OW-05", "2023-11-26T22:23:58Z"),
            (5, "disassoc", "REAL-OW-06", "2023-11-26T22:29:18Z"),
            (6, "disassoc", "REAL-OW-06", "2023-11-26T22:29:18Z"),
            (7, "disassoc", "REAL-OW-06", "2023-11-26T22:29:18Z"),
        ],
        {},
        {},
    ),
    "hostapd/openwrt-issue-16642.log": (
        "hostapd",
        [
            (8, "disassoc", "REAL-OW-02", "2024-10-08T11:26:43Z"),
            (9, "disassoc", "REAL-OW-02", "2024-10-08T11:26:43Z"),
            (11, "assoc", "REAL-OW-02", "2024-10-08T11:26:43Z"),
            (12, "assoc", "REAL-OW-02", "2024-10-08T11:26:43Z"),
        ],
        {"dnsmasq-dhcp": 7, "hostapd": 1},
        {},
    ),
    "hostapd/openwrt-issue-16874.log": ("hostapd", [], {"hostapd": 3, "usteer": 1}, {"bad_mac": 2}),
    "hostapd/openwrt-issue-9696.log": (
        "hostapd",
        [
            (4, "assoc", "REAL-OW-01", "2022-04-11T04:33:01Z"),
            (5, "assoc", "REAL-OW-01", "2022-04-11T04:33:01Z"),
            (10, "assoc", "REAL-OW-01", "2022-04-11T04:34:14Z"),
            (11, "assoc", "REAL-OW-01", "2022-04-11T04:34:14Z"),
        ],
        {"dnsmasq-dhcp": 2, "hostapd": 6},
        {},
    ),
    "hostapd/openwrt-presence-issue-7.log": (
        "hostapd",
        [
            (2, "disassoc", "REAL-OW-03", "2023-08-20T19:32:18Z"),
            (4, "assoc", "REAL-OW-03", "2023-08-20T19:32:18Z"),
            (5, "assoc", "REAL-OW-03", "2023-08-20T19:32:18Z"),
        ],
        {"hostapd": 4, "netifd": 3, "wrtwifistareport": 1},
        {},
    ),
    "hostapd/raspap-issue-666.log": ("hostapd", [], {"RADIUS": 1, "WPA": 1, "other": 5}, {}),
    "hostapd/x-wrt-issue-1.log": (
        "hostapd",
        [
            (1, "disassoc", "REAL-OW-09", "2018-06-10T03:31:19Z"),
            (3, "assoc", "REAL-OW-09", "2018-06-10T03:31:21Z"),
            (4, "assoc", "REAL-OW-09", "2018-06-10T03:31:21Z"),
            (7, "assoc", "REAL-OW-09", "2018-06-10T03:32:02Z"),
            (8, "assoc", "REAL-OW-09", "2018-06-10T03:32:02Z"),
            (10, "disassoc", "REAL-OW-09", "2018-06-10T03:32:18Z"),
            (12, "assoc", "REAL-OW-09", "2018-06-10T03:32:19Z"),
            (13, "assoc", "REAL-OW-09", "2018-06-10T03:32:19Z"),
        ],
        {"hostapd": 5},
        {},
    ),
    "meraki/elastic-airmarshal-events.log": ("syslog", [], {"airmarshal_events": 5}, {}),
    "meraki/elastic-events-inprogress.log": (
        "meraki_syslog",
        [
            (3, "seen", "REAL-MR-01", "2022-03-17T00:53:22.126325Z"),
            (4, "disassoc", "REAL-MR-01", "2022-03-17T00:58:29.602628Z"),
            (5, "assoc", "REAL-MR-01", "2022-03-17T00:53:22.117726Z"),
        ],
        {"events": 2, "events dfs_event": 1, "events wpa_deauth": 1},
        {},
    ),
    "meraki/elastic-events.log": (
        "meraki_syslog",
        [
            (3, "seen", "REAL-MR-01", "2022-03-17T00:53:22.126325Z"),
            (4, "disassoc", "REAL-MR-01", "2022-03-17T00:58:29.602628Z"),
            (5, "assoc", "REAL-MR-01", "2022-03-17T00:53:22.117726Z"),
            (13, "disassoc", "REAL-MR-02", "2021-12-10T10:40:50.430422Z"),
            (15, "assoc", "REAL-MR-02", "2021-12-10T10:40:51.608053Z"),
            (16, "seen", "REAL-MR-02", "2021-12-10T10:40:51.615363Z"),
            (19, "assoc", "REAL-MR-03", "2021-12-10T10:41:00.489500Z"),
            (21, "seen", "REAL-MR-03", "2021-12-10T10:41:01.280798Z"),
            (22, "disassoc", "REAL-MR-04", "2021-12-10T10:41:15.360638Z"),
            (23, "disassoc", "REAL-MR-05", "2021-12-10T10:41:43.129587Z"),
            (24, "seen", "REAL-MR-05", "2021-12-10T10:41:57.085087Z"),
            (53, "disassoc", "REAL-MR-06", "2025-01-15T05:00:51.802993Z"),
            (54, "disassoc", "REAL-MR-06", "2025-01-15T05:01:15.649842Z"),
        ],
        {
            "events": 21,
            "events 8021x_eap_success": 1,
            "events anyconnect_vpn_auth_success": 1,
            "events anyconnect_vpn_session_manager": 8,
            "events aps_association_reject": 1,
            "events dfs_event": 1,
            "events martian_vlan": 3,
            "events multiple_dhcp_servers_detected": 2,
            "events vpn_connectivity_change": 1,
            "events wpa_deauth": 1,
        },
        {"unknown_ap": 1},
    ),
    "meraki/elastic-flows.log": (
        "syslog",
        [],
        {
            "bridge_anyconnect_client_vpn_firewall": 1,
            "cellular_firewall": 1,
            "firewall": 1,
            "flows": 13,
            "vpn_firewall": 1,
        },
        {},
    ),
    "meraki/elastic-ip-flow.log": ("syslog", [], {"ip_flow_end": 4, "ip_flow_start": 4}, {}),
    "meraki/elastic-security-events.log": ("syslog", [], {"security_event": 1}, {}),
    "meraki/elastic-urls.log": ("syslog", [], {"urls": 3}, {}),
    "meraki/scanning-v3-receiver-dump.json": (
        "meraki_scanning",
        [(record, "seen", "REAL-MR-07", f"2021-11-23T{t}Z") for record, t in SCANNING_DUMP],
        {"scanning Bluetooth": 2},  # BLE beacons: never devices
        {},
    ),
    "radius/freeradius-tests-detail-one.txt": ("radius_detail", [], {}, {"bad_mac": 1}),
    "radius/mikrotik-detail-hybrid-parser.txt": ("radius_detail", [], {}, {"missing_mac": 2}),
    # Aruba and RADIUS files added together (SOURCES.md, the same block)
    "aruba/sjtu-wifilog-01-assoc-disassoc.log": (
        "aruba_stm",
        [
            (22, "assoc", "REAL-AR-01", "2014-01-30T14:48:51Z"),
            (23, "assoc", "REAL-AR-01", "2014-01-30T14:48:51Z"),
            (28, "disassoc", "REAL-AR-01", "2014-01-30T14:48:51Z"),
            (29, "disassoc", "REAL-AR-01", "2014-01-30T14:48:51Z"),
        ],
        {"authmgr": 21, "mobileip": 1, "stm 501093": 1, "stm 501095": 2, "stm 501109": 1},
        {},
    ),
    "aruba/sjtu-wifilog-02-auth-failed.log": (
        "aruba_stm",
        [
            (4, "assoc", "REAL-AR-02", "2014-01-30T14:54:07Z"),
            (7, "assoc", "REAL-AR-02", "2014-01-30T14:54:07Z"),
            (17, "disassoc", "REAL-AR-02", "2014-01-30T14:54:08Z"),
            (18, "disassoc", "REAL-AR-02", "2014-01-30T14:54:08Z"),
            (20, "disassoc", "REAL-AR-01", "2014-01-30T14:49:00Z"),
        ],
        {"authmgr": 10, "mobileip": 1, "stm 501093": 1, "stm 501095": 2, "stm 501109": 1},
        {},
    ),
    "aruba/sjtu-wifilog-03-ageout.log": (
        "aruba_stm",
        [
            (1, "disassoc", "REAL-AR-01", "2014-01-30T14:49:00Z"),  # 501114, as the controller logs it
            (2, "disassoc", "REAL-AR-01", "2014-01-30T14:49:00Z"),
            (5, "disassoc", "REAL-AR-02", "2014-01-30T14:54:17Z"),
            (6, "disassoc", "REAL-AR-02", "2014-01-30T14:54:17Z"),
            (7, "disassoc", "REAL-AR-02", "2014-01-30T14:54:17Z"),
        ],
        {"authmgr": 1, "stm 501044": 2, "stm 501109": 1},
        {},
    ),
    "aruba/sjtu-wifilog-04-roam-midnight.log": (
        "aruba_stm",
        [
            (5, "disassoc", "REAL-AR-03", "2014-01-30T15:00:14Z"),
            (6, "assoc", "REAL-AR-04", "2014-01-30T15:00:14Z"),
            (7, "assoc", "REAL-AR-04", "2014-01-30T15:00:14Z"),
            (9, "disassoc", "REAL-AR-03", "2014-01-30T15:00:14Z"),
        ],
        {"authmgr": 9, "stm 501093": 1, "stm 501095": 2},
        {},
    ),
    "aruba/sjtu-wifilog-05-max-retries.log": (
        "aruba_stm",
        [
            (3, "disassoc", "REAL-AR-05", "2014-01-30T15:01:10Z"),
            (4, "disassoc", "REAL-AR-05", "2014-01-30T15:01:10Z"),
            (5, "disassoc", "REAL-AR-05", "2014-01-30T15:01:10Z"),
            (11, "disassoc", "REAL-AR-06", "2014-01-30T14:55:20Z"),
            (13, "disassoc", "REAL-AR-06", "2014-01-30T14:55:20Z"),
            (14, "disassoc", "REAL-AR-06", "2014-01-30T14:55:20Z"),
        ],
        {"authmgr": 7, "stm 501044": 1, "stm 501109": 1},
        {},
    ),
    "aruba/sjtu-wifilog-06-roam-clock-skew.log": (
        "aruba_stm",
        [
            (5, "assoc", "REAL-AR-08", "2014-01-30T15:01:13Z"),
            (6, "disassoc", "REAL-AR-07", "2014-01-30T15:01:13Z"),
            (7, "disassoc", "REAL-AR-07", "2014-01-30T15:01:13Z"),
            (8, "assoc", "REAL-AR-08", "2014-01-30T15:01:13Z"),
            (10, "disassoc", "REAL-AR-09", "2014-01-30T14:50:38Z"),
            (11, "disassoc", "REAL-AR-09", "2014-01-30T14:50:38Z"),
        ],
        {"authmgr": 2, "stm 501093": 1, "stm 501095": 2},
        {},
    ),
    "aruba/sjtu-wifilog-07-file-end.log": (
        "aruba_stm",
        [
            (4, "assoc", "REAL-AR-10", "2014-01-30T16:16:49Z"),
            (5, "assoc", "REAL-AR-10", "2014-01-30T16:16:49Z"),
        ],
        {"authmgr": 15, "mobileip": 1, "stm 501093": 1, "stm 501095": 2},
        {},
    ),
    "radius/freeradius-docs-v4-detail-byname.txt": ("radius_detail", [], {"radius Access-Request": 1}, {}),
    "radius/logging-elk-radius-auth-detail.log": ("radius_detail", [], {"radius Access-Request": 3}, {}),
    "radius/logging-elk-radius-detail.log": (
        "radius_detail",
        [
            (1, "start", "REAL-RD-01", "2017-04-11T09:05:32Z"),
            (16, "stop", "REAL-RD-01", "2017-04-11T09:10:42Z"),
            (38, "start", "REAL-RD-01", "2017-05-05T05:53:01Z"),
            (53, "start", "REAL-RD-01", "2017-05-05T05:53:07Z"),
            (68, "stop", "REAL-RD-01", "2017-05-05T05:53:20Z"),
        ],
        {},
        {},
    ),
    "radius/logging-elk-radius-reply-detail.log": ("radius_detail", [], {"radius Access-Accept": 3}, {}),
    # a Cisco WLC sending the client's IP: the MAC from Acct-Session-Id, the AP from an IP Called-Station-Id
    "radius/radius-to-js-cisco-wlc.txt": (
        "radius_detail",
        [(1, "start", "REAL-RD-02", "2017-03-01T01:21:42Z")],
        {},
        {},
    ),
    "radius/telegraf-radius-parser-dialogic.txt": ("radius_detail", [], {}, {"bad_mac": 1}),
    "unifi/wazuh-decoders-unifi-syslog.log": (
        "unifi",
        [
            (2, "assoc", "REAL-UB-01", "2023-08-20T00:11:10Z"),
            (10, "disassoc", "REAL-UB-02", "2023-08-20T00:11:17Z"),
            (11, "disassoc", "REAL-UB-02", "2023-08-20T00:11:17Z"),
            (15, "disassoc", "REAL-UB-02", "2023-08-20T00:11:17Z"),
            (16, "assoc", "REAL-UB-03", "2023-08-20T00:11:17Z"),
            (17, "assoc", "REAL-UB-03", "2023-08-20T00:11:17Z"),
            (19, "assoc", "REAL-UB-03", "2023-08-20T00:11:17Z"),
            (21, "assoc", "REAL-UB-03", "2023-08-20T00:11:17Z"),
        ],
        {
            "hostapd": 5,
            "kernel": 2,
            "mcad": 1,
            "other": 1,
            "stahtd dns timeout": 1,
            "stahtd sta_roam": 1,
            "switch": 4,
            "wevent": 3,
        },
        {},
    ),
    # UniFi APs' and switches' lines in a Wazuh decoder's comments: no join / leave (EVENT_STA_IP)
    "unifi/bnc-wazuh-unifi-decoders.log": (
        "syslog",
        [],
        {"debug": 2, "hostapd": 2, "kernel": 1, "mcad": 1, "switch": 7, "wevent": 1},
        {},
    ),
    "unifi/crowdsec-hub-unifi-logs.log": ("syslog", [], {"other": 3, "sshd": 1}, {}),
    "unifi/fluentbit-unifi-parser-test.log": (
        "unifi",
        [(4, "assoc", "REAL-UB-05", "2026-06-03T14:30:31.271000Z")],  # CEF `WiFi Client Connected`
        {"kernel": 1, "mcad": 1, "systemd": 1},
        {},
    ),
    "unifi/sc4s-test-ubiquiti-unifi.log": ("syslog", [], {"kernel": 1, "logread": 2, "switch": 2}, {}),
    "unifi/ubnt-community-usg-logs.log": (
        "unifi",
        [(3, "disassoc", "REAL-UB-04", "2017-11-24T05:15:14Z")],  # ("U7LT,802aa8001122,v3.9.3.7537"), -05:00
        {"kernel": 3, "syslog": 1, "system": 1},
        {},
    ),
}


@pytest.fixture(scope="module")
def real_registry():
    return load_registry(REAL / "registry.csv")


def parse(settings, registry, path, sources=None):
    settings = settings.with_(sources=sources) if sources else settings
    events, counts = parse_file(settings, registry, path, None, DAY, secrets.token_bytes(32))
    return [(r["record"], r["kind"], r["ap_id"], r["ts"]) for r in events.to_pylist()], counts


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_real_file_gives_exactly_its_events(settings, real_registry, name):
    fmt, events, ignored, quarantined = EXPECTED[name]
    got, counts = parse(settings, real_registry, REAL / name)
    assert (counts["format"], got, counts["ignored_by"], counts["quarantined"]) == (
        fmt,
        events,
        ignored,
        quarantined,
    )
    assert counts["records"] == len(events) + sum(ignored.values()) + sum(quarantined.values())


def test_every_real_file_is_listed_with_its_source():
    listed = (REAL / "SOURCES.md").read_text(encoding="utf-8")
    files = [p for p in REAL.glob("*/*") if p.is_file()]
    assert files and all(f"{p.parent.name}/{p.name}" in listed for p in files)


def test_a_syslog_export_of_a_viewer_is_not_taken_for_a_log(settings, real_registry):
    """Kiwi-style CSV exports (date,level,host,tag: message) are not read: said, not guessed."""
    with pytest.raises(UnknownFormatError):
        parse(settings, real_registry, REAL / "unifi" / "home-assistant-issue-64997.csv")


def test_one_central_file_of_several_formats_gives_each_files_events(settings, real_registry, tmp_path):
    names = [
        "meraki/elastic-events.log",
        "hostapd/bridger-issue-8.log",
        "unifi/wazuh-decoders-unifi-syslog.log",
        "meraki/elastic-flows.log",
    ]
    mixed = tmp_path / "central-20240401.log"
    mixed.write_text("".join((REAL / n).read_text() for n in names))
    got, counts = parse(settings, real_registry, mixed)
    assert sorted((kind, ap, ts) for _, kind, ap, ts in got) == sorted(
        (kind, ap, ts) for n in names for _, kind, ap, ts in EXPECTED[n][1]
    )
    assert counts["ignored"] == sum(sum(EXPECTED[n][2].values()) for n in names)


def test_a_source_serving_one_site_gives_its_ap_less_events_and_its_own_clock(
    settings, real_registry, tmp_path
):
    sources = tmp_path / "sources.csv"
    sources.write_text("source,tz,ap\nwcp2,UTC,REAL-CI-01\n")
    got, counts = parse(settings, real_registry, REAL / "aruba" / "airheads-aos8-syslog-format.log", sources)
    # the AOS 8 controller wcp2 names no AP: its site comes from the sources file, and its clock
    # runs on UTC, so 20:30:58 is 20:30:58Z (not 11:30:58Z, as Tokyo time would give)
    assert got == [
        (3, "disassoc", "REAL-CI-01", "2023-09-07T20:30:58Z"),
        (4, "assoc", "REAL-CI-01", "2023-09-07T20:30:58Z"),
    ]
    assert counts["quarantined"] == {}


def test_an_aos6_controller_and_its_aps_lines_take_their_sources_clock(settings, real_registry, tmp_path):
    """The campus ran on Asia/Shanghai: the controller (`<NOTI> <SJTU-Local2 ...>`) and the AP that
    logs itself (syslog host 10.192.18.109, behind the receiver's epoch-ms prefix) both say so."""
    sources = tmp_path / "sources.csv"
    sources.write_text("source,tz,ap\nSJTU-Local2,Asia/Shanghai,\n10.192.18.109,Asia/Shanghai,\n")
    got, _ = parse(settings, real_registry, REAL / "aruba" / "sjtu-wifilog-01-assoc-disassoc.log", sources)
    assert got == [
        (22, "assoc", "REAL-AR-01", "2014-01-30T15:48:51Z"),
        (23, "assoc", "REAL-AR-01", "2014-01-30T15:48:51Z"),
        (28, "disassoc", "REAL-AR-01", "2014-01-30T15:48:51Z"),
        (29, "disassoc", "REAL-AR-01", "2014-01-30T15:48:51Z"),
    ]


@pytest.mark.parametrize("name", ["cisco/elastic-ios-kiwi.log", "unifi/crowdsec-hub-unifi-cef.log"])
def test_files_of_unread_wrappers_are_not_taken_for_a_log(settings, real_registry, name):
    """Kiwi Syslog Server's forwarding wrapper (`<190>Original Address=... 1 <ISO> <host>
    Kiwi_SyslogNet_Server ...`) around a Cisco line, and a UniFi console's CEF messages written
    bare (rsyslog's `%msg%` template) with no client event among them, are not read: said, not
    guessed."""
    with pytest.raises(UnknownFormatError):
        parse(settings, real_registry, REAL / name)


@pytest.fixture
def land_and_ingest(request):
    """The suite's `parse` fixture (lands a file and ingests it, keeping its quarantine), under
    another name: this module's parse() reads a file in memory only."""
    return request.getfixturevalue("parse")


def test_a_quarantined_9800_line_keeps_neither_its_user_nor_its_client(land_and_ingest):
    """The 9800 line names its user and SSID: its quarantine row keeps neither, nor the MAC."""
    lines = (REAL / "cisco" / "elastic-issue-14666.log").read_text().splitlines()
    out = land_and_ingest(lines, name="wlc-20250723.log")
    assert out.result.quarantined == {"no_ap_in_message": 1} and len(out.quarantine) == 1
    kept = repr(out.quarantine)
    assert not any(word in kept for word in ("musterm8", "COMAPNY", "1234.abcd.5678", "12:34:ab:cd:56:78"))
