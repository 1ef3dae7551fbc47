"""The documented JSON Lines layout for any other source: {"ts", "ap", "client_mac", "kind", ...}."""

import json

NAME = "generic_jsonl"
MAX_LINE_BYTES = 16 << 20  # JSON lines may be long (a block's size); syslog lines stay at 1 MB


def sniff(lines: list[str]) -> bool:
    """True when the first non-empty line is a JSON object with the documented keys."""
    first = next((line for line in lines if line.strip()), "")
    try:
        doc = json.loads(first)
    except ValueError:
        return False
    return isinstance(doc, dict) and {"ts", "ap", "client_mac", "kind"} <= set(doc)
