"""Any syslog feed: lines of the supported controllers mixed with other programs' lines.

A city forwards everything its devices log to one server, so a file holds client events of
several formats among lines of programs we do not read (dnsmasq, netifd, kernel, authmgr, MX
flows ...). Every syslog file is routed line by line (sql/ingest/staging/routed.sql) to the format that
reads it; other programs' lines are ignored and counted by program. This module recognises a
syslog file whose first lines show no client event at all (1 in 50 lines may be one).
"""

import re

NAME = "syslog"
# A Cisco controller forwarding without a stamp of the syslog server puts its own name and task
# first: `<132>wlc-01.example: *sntpReceiveTask: Jul 14 10:00:02.003: %LOG-4-Q_IND: ...`; an IOS
# device with `logging origin-id hostname` its name after the sequence number:
# `<190>2361044: sw01: Jan 16 2022 22:11:43 AEST: %FOO-6-BAR: ...` (a year before the time, as
# IOS XE and the Catalyst 9800 write it).
_STAMP = re.compile(
    r"^(<\d+>\d?\s*)?(\d+:\s+)?([\w.\-]+: (\*?[\w\-]+: )?)?"
    r"(\w{3} +\w{3} +\d{1,2} |\w{3} +\d{1,2} +(\d{4} +)?\d{2}:\d{2}:\d{2}"
    r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{9,10}\.\d+ )"
)


def sniff(lines: list[str]) -> bool:
    """True when most non-empty first lines start like syslog (a BSD, ISO or epoch stamp)."""
    lines = [line for line in lines if line.strip()]
    hits = sum(bool(_STAMP.match(line)) for line in lines)
    return hits > 0 and hits * 2 >= len(lines)
