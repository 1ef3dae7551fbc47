-- Only for a RADIUS detail file with an Accounting-On / -Off (radius_resets): the file is read
-- again, and after each block this keeps one row per session of a NAS that restarted, still open
-- (radius_sessions: its latest AP, client and kind by (time, line), when it started and was last
-- heard), for radius_detail_finish. Raw MACs: in memory only, like the block (no spill).
-- Merged incrementally: only the sessions heard in this block are replaced. A session stopped an
-- hour before the block's latest time is dropped, and only its key and the time of its stop are
-- kept (radius_closed): a record of it that arrives later still, with an earlier time (a NAS's
-- retransmission), cannot reopen it. The state holds the open sessions and the keys of the closed.
-- reads: radius_resets, radius_typed
-- params: newest_ts, oldest_ts, radius_closing
create temp table if not exists radius_sessions (
    nas varchar, session varchar, ap_mac varchar, mac varchar, started timestamptz,
    last_ts timestamptz, last_record bigint, last_kind varchar
);

create temp table if not exists radius_closed (nas varchar, session varchar, stopped timestamptz);

create or replace temp table radius_heard as
with heard as (
    select nas, session, ap_mac, mac, started, last_ts as ts, last_record as record, last_kind as kind
    from radius_sessions
    semi join (select distinct nas, session from radius_typed) as b using (nas, session)
    union all
    select nas, session, ap_mac, mac, case when kind = 'start' then ts end, ts, record, kind
    from radius_typed as t
    anti join radius_closed as c on c.nas = t.nas and c.session = t.session and t.ts <= c.stopped
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

-- stopped more than an hour before the latest plausible time of this block: closed for good
set variable radius_closing = (select max(ts) from radius_typed
                               where ts between getvariable('oldest_ts') and getvariable('newest_ts'))
                              - interval 1 hour;

insert into radius_closed
select nas, session, last_ts from radius_sessions
where last_kind = 'stop' and last_ts < getvariable('radius_closing');

delete from radius_sessions
where last_kind = 'stop' and last_ts < getvariable('radius_closing');
