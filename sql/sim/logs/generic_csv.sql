-- The simulator's sessions (view sim_events) in the documented CSV layout, as a city system that
-- is none of the known controllers would export them: local time with its offset, MACs in capitals
-- with hyphens, assoc and disassoc with the session's duration.
-- reads: sim_events
-- params: path
copy (
    select
        strftime(local_ts, '%Y-%m-%dT%H:%M:%S') || '+09:00' as ts,
        ap_name as ap,
        upper(replace(mac, ':', '-')) as client_mac,
        case when kind = 'association' then 'assoc' else 'disassoc' end as kind,
        -rssi as rssi,
        case when kind = 'association' then null else cast(round(duration) as bigint) end as duration_s
    from sim_events
    order by ts, kind, mac, ap_name, bssid, duration  -- a total order: the same logs on every run
) to (getvariable('path')) (format csv, header true)
