-- The simulator's events (view sim_events) as Cisco Meraki MR syslog `events` lines.
-- reads: sim_events
-- params: path
copy (
    select
        strftime(local_ts, '%b %d %H:%M:%S') || ' 10.20.0.5 1 '
        || printf('%.9f', ts) || ' ' || ap_name || ' events type=' || kind
        || ' radio=''1'' vap=''0'' client_mac=''' || mac || ''' channel=''36'' reason='''
        || case when kind = 'association' then '0' else '8' end || ''''
        || case when kind = 'association' then ' rssi=''' || rssi || ''''
                else ' instigator=''2'' duration=''' || printf('%.3f', duration) || '''' end
    from sim_events
    order by ts, kind, mac, ap_name, bssid, duration  -- a total order: the same logs on every run
) to (getvariable('path')) (format csv, header false, quote '', escape '', delimiter E'\x1f')
