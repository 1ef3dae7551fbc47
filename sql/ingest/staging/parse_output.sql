-- `footfall parse`: the usable records of one block and service day as canonical events, for
-- operators and acceptance tests. One row per event; device is the pseudonym under a throwaway
-- key (16 hex).
-- reads: pseudonyms, resolved
-- params: day
with usable as (
    select * from resolved where reason is null and day = getvariable('day')
),
events as (
    select
        iso_z(u.ts) as ts,
        u.ap_id,
        printf('%016x', p.device) as device,
        u.kind,
        u.rssi,
        u.duration_s,
        u.source,
        u.record
    from usable as u
    join pseudonyms as p on p.day = u.day and p.mac = u.mac
)
select * from events order by record, ts, device
