-- Published sites: one row per site of the registry with its quarter footfall in device-days
-- (the sum of the published daily table, suppressed when below k) and mean devices per day.
-- A sensitive site is listed, its figures never (they only count within its zone).
with daily as (
    select site_id, devices from read_parquet($footfall_daily, hive_partitioning = true)
),
totals as (
    select site_id, sum(devices)::bigint as device_days, count(devices)::integer as days_with_data
    from daily
    group by site_id
),
published as (
    select
        s.site_id,
        s.site_name,
        s.site_name_en,
        s.zone_id,
        round(s.lat, 6) as lat,
        round(s.lon, 6) as lon,
        s.n_aps,
        case when t.device_days >= $k and not s.sensitive then t.device_days end as device_days,
        case when t.device_days >= $k and not s.sensitive then round(t.device_days / $days, 1) end
            as mean_daily_devices,
        coalesce(t.days_with_data, 0) as days_with_data,
        coalesce(t.device_days < $k, false) or s.sensitive as suppressed,
        s.sensitive
    from sites as s
    left join totals as t using (site_id)
)
select * from published order by site_id
