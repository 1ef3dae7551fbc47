-- `footfall show trips`: the trips (legs) of one service day for operators, one row per leg.
-- reads: sites
-- params: trips
with trips as (
    select device, origin_site_id, dest_site_id, depart, arrive, travel_s from read_parquet(getvariable('trips'))
),
named as (
    select
        printf('%016x', t.device) as device,
        t.origin_site_id,
        o.site_name as origin_site_name,
        t.dest_site_id,
        d.site_name as dest_site_name,
        iso_z(t.depart) as depart,
        iso_z(t.arrive) as arrive,
        t.travel_s
    from trips as t
    join sites as o on o.site_id = t.origin_site_id
    join sites as d on d.site_id = t.dest_site_id
    order by t.device, t.depart
)
select * from named
