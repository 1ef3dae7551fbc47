-- Published hourly profile: per site, day type (weekday / holiday) and local hour, the mean
-- number of devices present over the quarter's days of that type. device_hours (the sum over days)
-- below k is suppressed. One row per site, day type and hour; sensitive sites are left out.
-- Hours without data (silent APs) are counted in no_data_days and left out of the mean.
with hourly as (
    select h.site_id, h.hour_local, h.devices, h.no_data, c.day_type
    from read_parquet($footfall_hourly, hive_partitioning = true) as h
    join calendar as c using (day)
),
profile as (
    select
        site_id,
        day_type,
        hour_local,
        sum(devices)::bigint as device_hours,
        count(*) filter (no_data) as no_data_days
    from hourly
    group by site_id, day_type, hour_local
),
published as (
    select
        p.site_id,
        s.site_name,
        round(s.lat, 6) as lat,
        round(s.lon, 6) as lon,
        p.day_type,
        p.hour_local,
        case when p.device_hours >= $k then p.device_hours end as device_hours,
        case when p.device_hours >= $k
             then round(p.device_hours / (c.days - p.no_data_days), 2) end as mean_devices,
        p.no_data_days,
        coalesce(p.device_hours < $k, false) as suppressed
    from profile as p
    join sites as s using (site_id)
    join (select day_type, count(*) as days from calendar group by day_type) as c using (day_type)
    where not s.sensitive
)
select * from published order by site_id, day_type, hour_local
