-- The true cells of the hourly profile: per site, day type and local hour, the devices present
-- summed over the quarter's days of that type (device_hours), and the days without data.
-- reads: calendar
-- params: footfall_hourly
with hourly as (
    select h.site_id, h.hour_local, h.devices, h.no_data, h.devices_dp, h.dp_bound, c.day_type
    from read_parquet(getvariable('footfall_hourly'), hive_partitioning = true, union_by_name = true) as h
    join calendar as c using (day)
)
select
    site_id,
    day_type,
    hour_local,
    sum(devices)::bigint as device_hours,
    count(*) filter (no_data) as no_data_days,
    sum(devices_dp)::bigint as device_hours_dp,
    max(dp_bound) as dp_bound
from hourly
group by site_id, day_type, hour_local
order by site_id, day_type, hour_local
