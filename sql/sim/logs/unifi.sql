-- The simulator's events (view sim_events) as UniFi AP syslog wevent lines (host = AP名).
-- reads: sim_events
-- params: path
copy (
    select
        strftime(local_ts, '%b %d %H:%M:%S') || ' ' || ap_name || ' U7PG2,' || replace(bssid, ':', '')
        || ',v4.3.28.11361: wevent[2042]: wevent.ubnt_custom_event(): '
        || case when kind = 'association' then 'EVENT_STA_JOIN' else 'EVENT_STA_LEAVE' end
        || ' ath0: ' || mac || ' / 1'
    from sim_events
    order by ts, kind, mac, ap_name, bssid, duration  -- a total order: the same logs on every run
) to (getvariable('path')) (format csv, header false, quote '', escape '', delimiter E'\x1f')
