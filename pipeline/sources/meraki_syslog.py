"""Cisco Meraki MR syslog `events` (association / disassociation / *_auth), epoch time in UTC.

A line as a syslog server stores it:
  Apr  1 08:12:41 10.20.0.5 1 1711926761.758479505 OITA-001-AP01 events type=association radio='1'
  vap='0' client_mac='80:d6:05:12:34:56' channel='36' reason='0' aid='1803089263' rssi='37'
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

NAME = "meraki_syslog"
_EVENT = re.compile(r"\s\d{9,10}(\.\d+)?\s+\S+\s+events\s+type=\w+")


def sniff(lines: list[str]) -> bool:
    """True when at least a third of the non-empty first lines look like Meraki events."""
    lines = [line for line in lines if line.strip()]
    hits = sum(bool(_EVENT.search(line)) for line in lines)
    return hits > 0 and hits * 3 >= len(lines)


WRITE_SQL = """
copy (
    select
        strftime(timezone($tz, to_timestamp(ts)), '%b %d %H:%M:%S') || ' 10.20.0.5 1 '
        || printf('%.9f', ts) || ' ' || ap_name || ' events type=' || kind
        || ' radio=''1'' vap=''0'' client_mac=''' || mac || ''' channel=''36'' reason='''
        || case when kind = 'association' then '0' else '8' end || ''''
        || case when kind = 'association' then ' rssi=''' || rssi || ''''
                else ' instigator=''2'' duration=''' || printf('%.3f', duration) || '''' end
    from events
    order by ts, kind, mac
) to '{path}' (format csv, header false, quote '', escape '', delimiter '\x1f')
"""


def write(con, events: pa.Table, path: Path, tz: str) -> None:
    """Write events (ts epoch s, ap_name, mac uint64, kind, duration, rssi) as Meraki syslog."""
    con.register("events_raw", events)
    con.execute("""
        create or replace temp view events as
        select ts, ap_name, kind, duration, rssi,
               rtrim(regexp_replace(printf('%012x', mac), '(..)', '\\1:', 'g'), ':') as mac
        from events_raw
    """)
    # COPY takes no bound target; the path is ours (the simulator's inbox), quoted safely.
    con.execute(WRITE_SQL.replace("{path}", str(path).replace("'", "''")), {"tz": tz})
    con.unregister("events_raw")
