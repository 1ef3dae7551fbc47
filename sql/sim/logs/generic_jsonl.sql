-- The simulator's sessions (view sim_events) in the documented JSON Lines layout: start and stop,
-- times in UTC, MACs without separators.
-- reads: sim_events
-- params: path
copy (
    select to_json({'ts': strftime(to_timestamp(ts), '%Y-%m-%dT%H:%M:%SZ'), 'ap': ap_name,
                    'client_mac': replace(mac, ':', ''),
                    'kind': case when kind = 'association' then 'start' else 'stop' end,
                    'duration_s': case when kind = 'association' then null
                                       else cast(round(duration) as bigint) end})::varchar
    from sim_events
    order by ts, kind, mac, ap_name, bssid, duration  -- a total order: the same logs on every run
) to (getvariable('path')) (format csv, header false, quote '', escape '', delimiter E'\x1f')
