-- The simulator's sessions (view sim_events) as a FreeRADIUS detail file: Start at association,
-- Stop with Acct-Session-Time at disassociation, the Timestamp attribute, a blank line after each.
copy (
    with records as (
        select
            ts,
            mac,
            kind,
            [strftime(local_ts, '%a %b %d %H:%M:%S %Y'),
             chr(9) || 'Acct-Status-Type = ' || case when kind = 'association' then 'Start' else 'Stop' end,
             chr(9) || 'Acct-Session-Id = "' || session_id || '"',
             chr(9) || 'Calling-Station-Id = "' || upper(replace(mac, ':', '-')) || '"',
             chr(9) || 'Called-Station-Id = "' || upper(replace(bssid, ':', '-')) || ':OITA_CITY_FREE_Wi-Fi"',
             chr(9) || 'NAS-IP-Address = 10.20.0.1']
            || case when kind = 'association' then []::varchar[]
                    else [chr(9) || 'Acct-Session-Time = ' || cast(round(duration) as bigint)] end
            || [chr(9) || 'Timestamp = ' || cast(floor(ts) as bigint), ''] as lines
        from sim_events
    ),
    numbered as (
        select unnest(lines) as line, generate_subscripts(lines, 1) as n, ts, mac, kind
        from records
    )
    select line from numbered order by ts, kind, mac, n
) to $path (format csv, header false, quote '', escape '', delimiter E'\x1f')
