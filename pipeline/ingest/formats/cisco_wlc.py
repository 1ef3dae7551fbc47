"""Cisco AireOS WLC and Catalyst 9800 client messages (and IOS AP %DOT11 association)."""

import re

NAME = "cisco_wlc"
_MARK = re.compile(
    r"%CLIENT_ORCH_LOG-|%APF-\d|%DOT11-6-(DIS)?ASSOC|Client (Association|Disassociation"
    r"|Deauthenticated):"
)


def sniff(lines: list[str]) -> bool:
    """True when a first line is a Cisco controller client message."""
    return any(_MARK.search(line) for line in lines)
