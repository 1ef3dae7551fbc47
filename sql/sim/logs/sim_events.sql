-- The simulator's events as a log writer sees them: one row per event, MAC spelled aa:bb:..,
-- local time of the city (UTC for an AP whose clock runs on it), a session id per (device, AP,
-- start) for RADIUS: the same in a session's Start and Stop (an association's duration is NaN,
-- not NULL).
-- reads: events_raw
-- params: tz
create or replace temp view sim_events as
select
    ts,
    -- an AP whose clock runs on UTC writes UTC as its local time
    timezone(case when utc then 'UTC' else getvariable('tz') end, to_timestamp(ts)) as local_ts,
    ap_name,
    bssid,
    concat_ws(':', h[1:2], h[3:4], h[5:6], h[7:8], h[9:10], h[11:12]) as mac,
    kind,
    duration,
    rssi,
    printf('%08X-%08X', hash(mac, ap_name, round(ts - if(isnan(duration), 0, coalesce(duration, 0))))
                             % 4294967296,
           hash(ap_name) % 4294967296) as session_id
from (select *, printf('%012x', mac) as h from events_raw);
