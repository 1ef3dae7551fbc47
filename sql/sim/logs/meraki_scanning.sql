-- The simulator's presence points (view sim_events, kind 'seen') as Meraki Scanning API v3 posts,
-- one JSON line per post: a network posts the observations of each minute.
-- reads: sim_events
-- params: path
copy (
    with observations as (
        select
            floor(ts / 60) as minute,
            ts,
            mac,
            bssid,
            {'clientMac': mac, 'ssid': 'OITA_CITY_FREE_Wi-Fi',
             'latestRecord': {'time': strftime(to_timestamp(ts), '%Y-%m-%dT%H:%M:%SZ'),
                              'nearestApMac': bssid, 'nearestApRssi': -rssi},
             'locations': []::json[]} as observation
        from sim_events
    )
    select to_json({'version': '3.0', 'secret': 'oita', 'type': 'WiFi',
                    'data': {'networkId': 'N_OITA_1',
                             'observations': list(observation order by ts, mac, bssid)}})::varchar
    from observations
    group by minute
    order by minute
) to (getvariable('path')) (format csv, header false, quote '', escape '', delimiter E'\x1f')
