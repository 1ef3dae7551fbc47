"""Ubiquiti UniFi AP syslog: EVENT_STA_JOIN / EVENT_STA_LEAVE (host = AP name, tag = AP MAC)."""

NAME = "unifi"


def sniff(lines: list[str]) -> bool:
    """True when a first line is a UniFi station event."""
    return any("EVENT_STA_JOIN" in line or "EVENT_STA_LEAVE" in line for line in lines)
