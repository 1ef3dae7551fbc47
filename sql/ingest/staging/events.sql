-- Canonical events of one block of a file and one service day: the MAC replaced by the day's
-- pseudonym (table pseudonyms: day, mac, device). One row per usable record, in a total order:
-- the file's order first (records arrive nearly sorted, which keeps the sort cheap).
-- reads: pseudonyms, resolved
-- params: day, file_id
with usable as (
    select * from resolved where reason is null and day = getvariable('day')
),
events as (
    select
        u.ts,
        u.ap_id,
        p.device,
        u.kind,
        u.rssi,
        u.duration_s,
        u.source,
        cast(getvariable('file_id') as varchar) as file_id,
        u.record
    from usable as u
    join pseudonyms as p on p.day = u.day and p.mac = u.mac
)
select * from events order by record, device, ts, ap_id, kind, rssi, duration_s
