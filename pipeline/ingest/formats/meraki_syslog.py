"""Cisco Meraki MR syslog `events` (association / disassociation / *_auth), epoch time in UTC.

A line as a syslog server stores it:
  Apr  1 08:12:41 10.20.0.5 1 1711926761.758479505 OITA-001-AP01 events type=association radio='1'
  vap='0' client_mac='80:d6:05:12:34:56' channel='36' reason='0' aid='1803089263' rssi='37'
"""

from __future__ import annotations

import re

NAME = "meraki_syslog"
_EVENT = re.compile(r"\s\d{9,10}(\.\d+)?\s+\S+\s+events\s+type=\w+")


def sniff(lines: list[str]) -> bool:
    """True when at least a third of the non-empty first lines look like Meraki events."""
    lines = [line for line in lines if line.strip()]
    hits = sum(bool(_EVENT.search(line)) for line in lines)
    return hits > 0 and hits * 3 >= len(lines)
