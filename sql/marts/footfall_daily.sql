-- Footfall per site over one service day: distinct devices (not the sum of hours), visits, dwell.
-- A site whose APs were all silent the whole day while usually active has a row with
-- no_data = true and NULL counts.
with visits as (
    select device, site_id, dwell_s from read_parquet($visits) where not flap
),
daily as (
    select
        site_id,
        count(distinct device) as devices,
        count(distinct device) filter (dwell_s >= $visitor_min_s) as visitors,
        count(*) as visits,
        median(dwell_s) as median_dwell_s,
        sum(dwell_s)::bigint as dwell_total_s,
        false as no_data
    from visits
    group by site_id
),
silent_sites as (
    select site_id from ap_today group by site_id having sum(events) = 0
),
usually_active as (
    select site_id
    from (select site_id, day, sum(events) as events from ap_history group by site_id, day)
    group by site_id
    having count(*) >= 3 and count(*) filter (events > 0) >= 0.8 * count(*)
),
unknown as (
    select
        site_id, cast(null as bigint) as devices, cast(null as bigint) as visitors,
        cast(null as bigint) as visits, cast(null as double) as median_dwell_s,
        cast(null as bigint) as dwell_total_s, true as no_data
    from silent_sites
    semi join usually_active using (site_id)
    anti join daily using (site_id)
)
select * from daily
union all
select * from unknown
order by site_id
