-- The simulator's events as a log writer sees them: one row per event, MAC spelled aa:bb:..,
-- local time of the city, a session id per (device, AP, start) for RADIUS: the same in a
-- session's Start and Stop (an association's duration is NaN, not NULL).
create or replace temp view sim_events as
select
    ts,
    timezone(getvariable('tz'), to_timestamp(ts)) as local_ts,
    ap_name,
    bssid,
    rtrim(regexp_replace(printf('%012x', mac), '(..)', '\1:', 'g'), ':') as mac,
    kind,
    duration,
    rssi,
    printf('%08X-%08X', hash(mac, ap_name, round(ts - if(isnan(duration), 0, coalesce(duration, 0))))
                             % 4294967296,
           hash(ap_name) % 4294967296) as session_id
from events_raw;
