"""Ubiquiti UniFi AP syslog: EVENT_STA_JOIN / EVENT_STA_LEAVE (host = AP name, tag = AP MAC), and
UniFi Network consoles' CEF `WiFi Client Connected` / `Disconnected` events."""

NAME = "unifi"


def sniff(lines: list[str]) -> bool:
    """True when a first line is a UniFi station event."""
    return any(
        "EVENT_STA_JOIN" in line or "EVENT_STA_LEAVE" in line or "|WiFi Client " in line for line in lines
    )
