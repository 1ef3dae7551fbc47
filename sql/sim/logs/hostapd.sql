-- The simulator's events (view sim_events) as hostapd lines forwarded by syslog (host = AP名),
-- with getvariable('foreign_lines') lines of other programs after each (an unfiltered feed: dnsmasq,
-- netifd, kernel, odhcpd and hostapd's own chatter, as an OpenWrt AP forwards them). In one
-- second a device's DISCONNECTED comes before its CONNECTED (band steering to the other radio).
-- reads: sim_events
-- params: foreign_lines, path
copy (
    with client as (
        select
            ts, mac, kind, 0 as n,
            strftime(local_ts, '%b %d %H:%M:%S') || ' ' || ap_name || ' hostapd: phy0-ap0: AP-STA-'
            || case when kind = 'association' then 'CONNECTED ' || mac || ' auth_alg=open'
                    else 'DISCONNECTED ' || mac end as line
        from sim_events
    ),
    other as (
        select
            e.ts, e.mac, e.kind, r.n + 1 as n,
            strftime(e.local_ts, '%b %d %H:%M:%S') || ' ' || e.ap_name || ' '
            || case r.n % 5
                   when 0 then 'dnsmasq-dhcp[2985]: DHCPACK(br-lan) 192.168.1.' || (hash(e.mac) % 250)
                               || ' ' || e.mac
                   when 1 then 'netifd: wan (1368): udhcpc: sending renew to 10.20.0.1'
                   when 2 then 'kernel: [15084.641567] ieee80211 phy0: staid 2 deleted'
                   when 3 then 'odhcpd[1842]: DHCPV6 SOLICIT IA_NA from 00030001 on br-lan: ok'
                   else 'hostapd: phy0-ap0: STA ' || e.mac || ' WPA: pairwise key handshake completed (RSN)'
               end as line
        from sim_events as e
        cross join range(getvariable('foreign_lines')) as r(n)
    )
    select line from (select * from client union all select * from other)
    order by ts, mac, kind desc, n, line  -- a total order: the same logs on every run
) to (getvariable('path')) (format csv, header false, quote '', escape '', delimiter E'\x1f')
