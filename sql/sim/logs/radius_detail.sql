-- The simulator's sessions (view sim_events) as a FreeRADIUS detail file: Start at association,
-- Stop with Acct-Session-Time at disassociation, the Timestamp attribute, a blank line after each;
-- an Accounting-On of the NAS after it restarted (kind nas_reset).
-- One value per record, its lines joined by one concat (a chain of || copies the text each time).
-- reads: sim_events
-- params: path
copy (
    select
        concat(
            strftime(local_ts, '%a %b %d %H:%M:%S %Y'),
            case when kind = 'nas_reset'
                 then E'\n\tAcct-Status-Type = Accounting-On\n\tAcct-Session-Id = "00000000"'
                 else concat(
                     E'\n\tAcct-Status-Type = ', case when kind = 'association' then 'Start' else 'Stop' end,
                     E'\n\tAcct-Session-Id = "', session_id,
                     E'"\n\tCalling-Station-Id = "', upper(replace(mac, ':', '-')),
                     E'"\n\tCalled-Station-Id = "', upper(replace(bssid, ':', '-')),
                     ':OITA_CITY_FREE_Wi-Fi"') end,
            E'\n\tNAS-IP-Address = 10.20.0.1',
            case when kind = 'disassociation'
                 then concat(E'\n\tAcct-Session-Time = ', cast(round(duration) as bigint)) end,
            E'\n\tTimestamp = ', cast(floor(ts) as bigint), E'\n'
        ) as record
    from sim_events
    order by ts, kind, mac, ap_name, bssid, duration  -- a total order: the same logs on every run
) to (getvariable('path')) (format csv, header false, quote '', escape '', delimiter E'\x1f')
