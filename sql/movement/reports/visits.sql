-- `footfall show visits`: the visits of one service day for operators, one row per visit.
-- reads: sites
-- params: visits
with visits as (
    select device, site_id, start, "end", dwell_s from read_parquet(getvariable('visits')) where not flap
),
named as (
    select
        printf('%016x', v.device) as device,
        v.site_id,
        s.site_name,
        iso_z(v.start) as start,
        iso_z(v."end") as "end",
        v.dwell_s
    from visits as v
    join sites as s using (site_id)
    order by v.device, v.start, v.site_id
)
select * from named
