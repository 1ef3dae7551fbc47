-- Footfall per site over one service day: distinct devices (not the sum of hours), visits, dwell.
with visits as (
    select device, site_id, dwell_s from read_parquet($visits)
),
daily as (
    select
        site_id,
        count(distinct device) as devices,
        count(distinct device) filter (dwell_s >= $visitor_min_s) as visitors,
        count(*) as visits,
        median(dwell_s) as median_dwell_s,
        sum(dwell_s)::bigint as dwell_total_s
    from visits
    group by site_id
)
select * from daily order by site_id
