-- The simulator's events (view sim_events) as Aruba controller `stm` syslog lines.
-- reads: sim_events
-- params: path
copy (
    select
        strftime(local_ts, '%b %d %H:%M:%S %Y') || ' 10.20.0.2 stm[3345]: <'
        || case when kind = 'association' then '501100' else '501105' end || '> <NOTI> |AP '
        || ap_name || '@10.20.1.11 stm|  '
        || case when kind = 'association'
                then 'Assoc success @ ' || strftime(local_ts, '%H:%M:%S.%f') || ': ' || mac
                     || ': AP 10.20.1.11-' || bssid || '-' || ap_name
                else 'Deauth from sta: ' || mac || ': AP 10.20.1.11-' || bssid || '-' || ap_name
                     || ' Reason 8' end
    from sim_events
    order by ts, kind, mac, ap_name, bssid, duration  -- a total order: the same logs on every run
) to (getvariable('path')) (format csv, header false, quote '', escape '', delimiter E'\x1f')
