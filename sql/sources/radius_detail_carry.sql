-- After each block of a RADIUS detail file: what the file's end needs to close the sessions a NAS
-- restart (Accounting-On / -Off) ended. One row per reset (radius_resets), and one row per session
-- (radius_sessions: its latest AP, client and kind, when it started and was last heard), merged
-- with the blocks before. Raw MACs: in memory only, like the block (no spill).
create temp table if not exists radius_resets (record bigint, ts timestamptz, nas varchar);
create temp table if not exists radius_sessions (
    nas varchar, session varchar, ap_mac varchar, mac varchar, started timestamptz,
    last_ts timestamptz, last_record bigint, last_kind varchar
);

insert into radius_resets
select record, ts, nas from radius_typed where kind = 'nas_reset' and ts is not null;

create or replace temp table radius_sessions as
with heard as (
    select nas, session, ap_mac, mac, started, last_ts as ts, last_record as record, last_kind as kind
    from radius_sessions
    union all
    select
        nas, session, ap_mac, mac, case when kind = 'start' then ts end as started, ts, record, kind
    from radius_typed
    where kind in ('start', 'interim', 'stop') and ts is not null and mac is not null
)
-- the latest record of a session by (time, record): ties go to the later line, in any block
select
    nas,
    session,
    arg_max(ap_mac, (ts, record)) as ap_mac,
    arg_max(mac, (ts, record)) as mac,
    min(started) as started,
    max(ts) as last_ts,
    max(record) as last_record,
    arg_max(kind, (ts, record)) as last_kind
from heard
group by nas, session;
