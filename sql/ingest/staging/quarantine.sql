-- Records of one file that cannot be used, kept with why and an allow-list of fields that cannot
-- identify anyone: file, record (line number), reason, format, program, event type, AP name and
-- time. Never the line. One row per quarantined record.
-- The event type is kept only when it is one its format knows (known_events); whatever else a
-- source wrote there (a generic `kind` holding a MAC, an e-mail, a URL; a Meraki `type=`; a
-- RADIUS status) becomes 'other'. The AP name is made safe on the way out (pipeline/ingest/reader.py:
-- kept when it has an AP name's shape, else a marker and a keyed digest).
-- reads: resolved
-- params: file_id
with rejected as (
    select record, reason, source, program, event, ap_label, ts
    from resolved
    where reason not in ('ignored', 'empty_line', 'opted_out')
),
known_events as (
    -- the event words of sql/ingest/formats/*.sql, by format
    select format, unnest(events) as event
    from (values
        ('generic_csv', ['start', 'stop', 'interim', 'assoc', 'disassoc', 'seen']),
        ('generic_jsonl', ['start', 'stop', 'interim', 'assoc', 'disassoc', 'seen']),
        ('radius_detail', ['Start', 'Stop', 'Interim-Update', 'Alive', 'Accounting-On', 'Accounting-Off']),
        ('meraki_syslog', ['association', 'disassociation', 'wpa_auth', '8021x_auth', 'splash_auth']),
        ('meraki_scanning', ['WiFi', 'Bluetooth', 'DevicesSeen', 'BluetoothDevicesSeen', 'no post']),
        ('aruba_stm', ['501100', '501080', '501098', '501102', '501105', '501106']),
        ('cisco_wlc', ['assoc', 'disassoc']),
        ('hostapd', ['CONNECTED', 'DISCONNECTED', 'associated', 'disassociated']),
        ('unifi', ['JOIN', 'LEAVE', 'association', 'disassociation', 'sta_join', 'sta_leave'])
    ) as k (format, events)
),
quarantine as (
    select
        cast(getvariable('file_id') as varchar) as file_id,
        r.record,
        r.reason,
        r.source as format,
        r.program,
        case when r.event is null then null when k.event is null then 'other' else r.event end as event,
        r.ap_label as ap_name,
        r.ts
    from rejected as r
    left join known_events as k on r.source = k.format and r.event = k.event
)
select * from quarantine order by record
