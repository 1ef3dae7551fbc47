-- After each block of a RADIUS detail file: what the file's end needs to close the sessions a NAS
-- restart (Accounting-On / -Off) ended. One row per reset (radius_resets), and one row per session
-- still open (radius_sessions: its latest AP, client and kind by (time, line), when it started and
-- was last heard). Raw MACs: in memory only, like the block (no spill).
-- Merged incrementally: only the sessions heard in this block are replaced. A stopped session is
-- kept for PRUNE_AFTER (a record that arrives late, with an earlier time, cannot reopen it), then
-- dropped: the state holds the open sessions, not every session of the day.
create temp table if not exists radius_resets (record bigint, ts timestamptz, nas varchar);
create temp table if not exists radius_sessions (
    nas varchar, session varchar, ap_mac varchar, mac varchar, started timestamptz,
    last_ts timestamptz, last_record bigint, last_kind varchar
);

insert into radius_resets
select record, ts, nas from radius_typed where kind = 'nas_reset' and ts is not null;

create or replace temp table radius_heard as
with heard as (
    select nas, session, ap_mac, mac, started, last_ts as ts, last_record as record, last_kind as kind
    from radius_sessions
    semi join (select distinct nas, session from radius_typed) as b using (nas, session)
    union all
    select nas, session, ap_mac, mac, case when kind = 'start' then ts end, ts, record, kind
    from radius_typed
    -- a session without a NAS is closed by no reset (the finish joins on nas)
    where kind in ('start', 'interim', 'stop') and ts is not null and mac is not null
      and nas is not null
)
select
    nas,
    session,
    arg_max(ap_mac, (ts, record)) as ap_mac,
    arg_max(mac, (ts, record)) as mac,
    min(started) as started,
    max(ts) as last_ts,
    arg_max(record, (ts, record)) as last_record,
    arg_max(kind, (ts, record)) as last_kind
from heard
group by nas, session;

delete from radius_sessions as s using radius_heard as h
where s.nas = h.nas and s.session = h.session;

insert into radius_sessions select * from radius_heard;

-- PRUNE_AFTER: stopped more than an hour before the latest plausible time of this block
delete from radius_sessions
where last_kind = 'stop'
  and last_ts < (select max(ts) from radius_typed
                 where ts between getvariable('oldest_ts') and getvariable('newest_ts'))
                - interval 1 hour;
