-- Only for a RADIUS detail file with an Accounting-On / -Off (radius_resets): the file is read
-- again, and after each block this keeps one row per session of a NAS that restarted, still open
-- (radius_sessions: its latest AP, client and kind by (time, line), when it started and was last
-- heard), for radius_detail_finish. Raw MACs: in memory only, like the block (no spill).
-- Merged incrementally: only the sessions heard in this block are replaced. A stopped session is
-- kept for PRUNE_AFTER (a record that arrives late, with an earlier time, cannot reopen it), then
-- dropped: the state holds the open sessions, not every session of the day.
create temp table if not exists radius_sessions (
    nas varchar, session varchar, ap_mac varchar, mac varchar, started timestamptz,
    last_ts timestamptz, last_record bigint, last_kind varchar
);

create or replace temp table radius_heard as
with heard as (
    select nas, session, ap_mac, mac, started, last_ts as ts, last_record as record, last_kind as kind
    from radius_sessions
    semi join (select distinct nas, session from radius_typed) as b using (nas, session)
    union all
    select nas, session, ap_mac, mac, case when kind = 'start' then ts end, ts, record, kind
    from radius_typed
    where kind in ('start', 'interim', 'stop') and ts is not null and mac is not null
      and nas in (select nas from radius_resets)
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
