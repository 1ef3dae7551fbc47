"""The documented CSV layout for any other source: ts,ap,client_mac,kind[,rssi,duration_s]."""

NAME = "generic_csv"
HEADER = "ts,ap,client_mac,kind"


def sniff(lines: list[str]) -> bool:
    """True when the file starts with the documented header."""
    return bool(lines) and lines[0].lstrip("\ufeff").strip().lower().startswith(HEADER)
