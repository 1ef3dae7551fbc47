-- Published sites: one row per site of the registry with its quarter footfall in device-days
-- (the sum of the published daily table, suppressed when below k) and mean devices per day.
-- total_hidden: the total moved by less than k since an earlier version of the release.
-- A sensitive site is listed, its figures never (they only count within its zone). ap_uptime: the
-- share of the quarter's AP-days its APs logged; no_data_hours: hours without data (outages).
with daily as (
    select site_id, devices, total_hidden from daily_cells
),
health as (
    select site_id, avg((status <> 'silent')::int) as ap_uptime
    from read_parquet($ap_health, hive_partitioning = true)
    group by site_id
),
gaps as (
    select site_id, count(*) filter (no_data) as no_data_hours
    from read_parquet($footfall_hourly, hive_partitioning = true)
    group by site_id
),
totals as (
    select site_id, sum(devices)::bigint as device_days, count(devices)::integer as days_with_data,
           bool_or(total_hidden) as total_hidden
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
        case when t.device_days >= $k and not t.total_hidden and not s.sensitive then t.device_days end
            as device_days,
        case when t.device_days >= $k and not t.total_hidden and not s.sensitive
             then round(t.device_days / $days, 1) end
            as mean_daily_devices,
        coalesce(t.days_with_data, 0) as days_with_data,
        round(coalesce(h.ap_uptime, 0), 3) as ap_uptime,
        coalesce(g.no_data_hours, 0) as no_data_hours,
        coalesce(t.device_days < $k or t.total_hidden, false) or s.sensitive as suppressed,
        s.sensitive
    from sites as s
    left join totals as t using (site_id)
    left join health as h using (site_id)
    left join gaps as g using (site_id)
)
select * from published order by site_id
