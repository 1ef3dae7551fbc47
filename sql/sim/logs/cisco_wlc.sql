-- The simulator's events (view sim_events) as Cisco AireOS WLC client messages forwarded by syslog:
-- association and deauthentication by the AP's base radio MAC (no duration: the AP closes them).
-- reads: sim_events
-- params: path
copy (
    select
        strftime(local_ts, '%b %d %H:%M:%S') || ' 10.20.0.3 wlc01: *apfMsConnTask_2: '
        || strftime(local_ts, '%b %d %H:%M:%S.%g') || ': '
        || case when kind = 'association'
                then 'Client Association: Client MAC:' || mac || ' Base Radio MAC:' || bssid
                     || ' Slot: 1 User Name:unknown'
                else 'Client Deauthenticated: Client MAC:' || mac || ' Base Radio MAC:' || bssid
                     || ' Slot: 1 Reason: Unspecified' end
    from sim_events
    order by ts, kind, mac, ap_name, bssid, duration  -- a total order: the same logs on every run
) to (getvariable('path')) (format csv, header false, quote '', escape '', delimiter E'\x1f')
