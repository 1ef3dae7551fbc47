"""hostapd on OpenWrt and other Linux APs: AP-STA-CONNECTED / AP-STA-DISCONNECTED.

Forwarded syslog names the AP in the host field; OpenWrt `logread` lines do not, so such a file
is named after its AP: `<AP名>.log` (or `.log.gz`).
"""

import re

NAME = "hostapd"
_EVENT = re.compile(r"AP-STA-(CONNECTED|DISCONNECTED)")


def sniff(lines: list[str]) -> bool:
    """True when a first line is a hostapd station event."""
    return any(_EVENT.search(line) for line in lines)
