-- Footfall per site over one service day: distinct devices (not the sum of hours), visits, dwell.
-- A site whose APs were all silent the whole day while one of them always logs on such days
-- (ap_today.usually_active) has a row with no_data = true and NULL counts.
-- devices_dp: devices counted only at their first $dp_max_sites sites of the day, the bounded
-- contribution that differential privacy needs (dp_bound records the bound).
-- reads: ap_today
-- params: dp_max_sites, visitor_min_s, visits
with visits as (
    select device, site_id, start, dwell_s from read_parquet(getvariable('visits')) where not flap
),
bounded as (
    select site_id, count(*) as devices_dp
    from (
        select device, site_id,
               row_number() over (partition by device order by min(start), site_id) as nth
        from visits
        group by device, site_id
    )
    where nth <= getvariable('dp_max_sites')
    group by site_id
),
daily as (
    select
        site_id,
        count(distinct device) as devices,
        count(distinct device) filter (dwell_s >= getvariable('visitor_min_s')) as visitors,
        count(*) as visits,
        median(dwell_s) as median_dwell_s,
        sum(dwell_s)::bigint as dwell_total_s,
        false as no_data,
        any_value(b.devices_dp) as devices_dp,
        cast(getvariable('dp_max_sites') as integer) as dp_bound
    from visits
    left join bounded as b using (site_id)
    group by site_id
),
silent_sites as (
    -- every AP silent, at least one of them one that always logs on days like this (an outage)
    select site_id from ap_today group by site_id having sum(events) = 0 and bool_or(usually_active)
),
unknown as (
    select
        site_id, cast(null as bigint) as devices, cast(null as bigint) as visitors,
        cast(null as bigint) as visits, cast(null as double) as median_dwell_s,
        cast(null as bigint) as dwell_total_s, true as no_data, cast(null as bigint) as devices_dp,
        cast(getvariable('dp_max_sites') as integer) as dp_bound
    from silent_sites
    anti join daily using (site_id)
)
select * from daily
union all
select * from unknown
order by site_id
