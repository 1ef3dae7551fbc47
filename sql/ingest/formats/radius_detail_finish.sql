-- At the end of a RADIUS detail file: the stops an Accounting-On / -Off implies. A NAS that
-- restarts ends every session it still had open: each session not stopped by its last record is
-- closed by the first reset of its NAS after it was last heard (record: the reset's line).
-- reads: radius_resets
-- params: none
create temp table if not exists radius_sessions (
    nas varchar, session varchar, ap_mac varchar, mac varchar, started timestamptz,
    last_ts timestamptz, last_record bigint, last_kind varchar
);

create or replace temp view parsed as
select
    r.record,
    'implied by Accounting-On/Off' as line,
    r.ts,
    cast(null as varchar) as ap_name,
    s.ap_mac,
    s.mac,
    'stop' as kind,
    cast(null as smallint) as rssi,
    cast(epoch(r.ts) - epoch(coalesce(s.started, s.last_ts)) as integer) as duration_s,
    cast(null as varchar) as reason,
    'radius' as program,
    'Accounting-On' as event,
    s.nas as host,
    false as naive
from radius_sessions as s
asof join radius_resets as r on s.nas = r.nas and s.last_ts < r.ts
where s.last_kind <> 'stop';
