"""Cisco Meraki Scanning API v3 posts: JSON Lines, or one (possibly indented) post per file."""

import json

NAME = "meraki_scanning"
MAX_LINE_BYTES = 16 << 20  # a post of thousands of sightings on one line (a block's size)
SNIFFED = 4096  # detection sees the first this many characters of a line


def sniff(lines: list[str]) -> bool:
    """True when the first lines look like a Scanning API post."""
    text = "".join(lines)
    return text.lstrip().startswith("{") and ('"observations"' in text or '"clientMac"' in text)


def variables(lines: list[str]) -> dict:
    """One post per line (JSON Lines), unless the first line alone is not a JSON document."""
    first = next((line for line in lines if line.strip()), "")
    if len(first) >= SNIFFED and not first.endswith("\n"):
        return {"json_whole": False}  # a line longer than detection reads: a post on one line
    first = first.split('}{"version"')[0] + ("}" if '}{"version"' in first else "")  # back to back
    try:
        json.loads(first)
        whole = False
    except ValueError:
        whole = True
    return {"json_whole": whole}


def cut(lines: list[str]) -> tuple[bytes, ...] | None:
    """One post per file is read whole (one block); JSON Lines block by block."""
    return None if variables(lines)["json_whole"] else (b"\n", b"\r")
