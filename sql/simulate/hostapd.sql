-- The simulator's events (view sim_events) as hostapd lines forwarded by syslog (host = AP名).
copy (
    select
        strftime(local_ts, '%b %d %H:%M:%S') || ' ' || ap_name || ' hostapd: phy0-ap0: AP-STA-'
        || case when kind = 'association' then 'CONNECTED ' || mac || ' auth_alg=open'
                else 'DISCONNECTED ' || mac end
    from sim_events
    order by ts, kind, mac, ap_name, bssid, duration  -- a total order: the same logs on every run
) to $path (format csv, header false, quote '', escape '', delimiter E'\x1f')
