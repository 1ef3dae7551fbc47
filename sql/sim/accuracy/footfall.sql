-- Hourly footfall against the truth on site-hours with at least 20 true devices (and data):
-- the share of those cells within 5 % of the truth and the median relative error.
-- reads: truth_visits
-- params: footfall_hourly
with truth as (
    select site_id, hour, count(distinct device) as devices
    from (
        select device, site_id,
               unnest(generate_series(date_trunc('hour', start), date_trunc('hour', "end"),
                                      interval 1 hour)) as hour
        from truth_visits
    )
    group by site_id, hour
),
found as (
    select site_id, hour, devices from read_parquet(getvariable('footfall_hourly')) where not no_data
),
cells as (
    select t.devices as truth, coalesce(f.devices, 0) as found,
           abs(coalesce(f.devices, 0) - t.devices) / t.devices as error
    from truth as t
    join found as f using (site_id, hour)
    where t.devices >= 20
)
select
    count(*) as cells,
    coalesce(avg((error <= 0.05)::int), 1.0) as within_5pct,
    coalesce(median(error), 0.0) as median_error
from cells
