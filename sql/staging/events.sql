-- Canonical events of one file and one service day: the MAC replaced by the day's pseudonym.
-- One row per usable record. Pseudonyms come from the distinct MACs (table pseudonyms).
with usable as (
    select * from resolved where reason is null and day = $day
),
events as (
    select
        u.ts,
        u.ap_id,
        p.device,
        u.kind,
        u.rssi,
        u.duration_s,
        cast($source as varchar) as source,
        cast($file_id as varchar) as file_id,
        u.record
    from usable as u
    join pseudonyms as p on p.mac = u.mac
)
select * from events order by device, ts, record
