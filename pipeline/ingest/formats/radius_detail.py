"""FreeRADIUS `detail` accounting files (Start / Interim-Update / Stop, Accounting-On/Off); the
auth_log / reply_log detail files beside them are read too, their records ignored by Packet-Type."""

import re

import duckdb

NAME = "radius_detail"
CUT = (b"\n\n", b"\n\r\n")  # a block ends at the blank line after a record: none is split
_HEADER = re.compile(r"^\w{3} \w{3}\s+\d{1,2} \d{2}:\d{2}:\d{2} \d{4}\s*$")
_ATTRIBUTE = re.compile(r"^\s+(?:Acct-Status-Type|Packet-Type)\s*=")


def sniff(lines: list[str]) -> bool:
    """True when the first lines hold a detail header and an Acct-Status-Type attribute, or the
    Packet-Type of an auth_log / reply_log detail file (its records are ignored and counted)."""
    return any(_HEADER.match(line) for line in lines) and any(_ATTRIBUTE.match(line) for line in lines)


def replay_needed(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file must be read again for the sessions its NAS restarts closed."""
    return con.execute("select count(*) > 0 from radius_resets").fetchall()[0][0]
