-- Footfall per site and hour of one service day. No device ids: counts only.
-- devices: distinct devices present in the hour; visitors: those whose visit lasted at least
-- visitor_min_s; passers_by: the rest; visits: visits starting in the hour, with their median dwell.
-- An hour whose APs were silent while usually active (table no_data) is a row with no_data = true
-- and NULL counts: no data, never zero people.
-- reads: no_data
-- params: dp_max_hours, tz, visitor_min_s, visits
with visits as (
    select device, site_id, start, "end", dwell_s from read_parquet(getvariable('visits')) where not flap
),
presence as (
    select
        device,
        site_id,
        dwell_s,
        unnest(generate_series(date_trunc('hour', start), date_trunc('hour', "end"),
                               interval 1 hour)) as hour
    from visits
),
present as (
    select
        site_id,
        hour,
        count(distinct device) as devices,
        count(distinct device) filter (dwell_s >= getvariable('visitor_min_s')) as visitors
    from presence
    group by site_id, hour
),
bounded as (
    -- each device counted in its first $dp_max_hours site-hours of the day (for DP releases)
    select site_id, hour, count(*) as devices_dp
    from (
        select device, site_id, hour,
               row_number() over (partition by device order by hour, site_id) as nth
        from (select distinct device, site_id, hour from presence)
    )
    where nth <= getvariable('dp_max_hours')
    group by site_id, hour
),
started as (
    select
        site_id,
        date_trunc('hour', start) as hour,
        count(*) as visits,
        median(dwell_s) as median_dwell_s
    from visits
    group by site_id, hour
),
footfall as (
    select
        p.site_id,
        p.hour,
        local_hour(p.hour, getvariable('tz')) as hour_local,
        p.devices,
        p.visitors,
        p.devices - p.visitors as passers_by,
        coalesce(s.visits, 0) as visits,
        s.median_dwell_s,
        false as no_data,
        coalesce(b.devices_dp, 0) as devices_dp,
        cast(getvariable('dp_max_hours') as integer) as dp_bound
    from present as p
    left join started as s using (site_id, hour)
    left join bounded as b using (site_id, hour)
),
unknown as (
    select
        n.site_id, n.hour, n.hour_local, cast(null as bigint) as devices,
        cast(null as bigint) as visitors, cast(null as bigint) as passers_by,
        cast(null as bigint) as visits, cast(null as double) as median_dwell_s, true as no_data,
        cast(null as bigint) as devices_dp, cast(getvariable('dp_max_hours') as integer) as dp_bound
    from no_data as n
    anti join footfall as f using (site_id, hour)
)
select * from footfall
union all
select * from unknown
order by site_id, hour
