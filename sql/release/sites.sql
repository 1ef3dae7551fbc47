-- Published sites: one row per site of the registry with its quarter footfall in device-days
-- (the sum of its daily counts, shown ones and hidden ones) and mean devices per day.
-- total_hidden: the total is hidden because a hidden daily count could otherwise be solved from
-- it (pipeline/release/suppression.py). ap_uptime: the share of the quarter's AP-days its APs logged;
-- no_data_hours: hours without data (outages); days_with_data: days with a daily row.
-- A sensitive site is listed (name, place, APs), no figure of it ever: not even the fields made
-- from its logs (days_with_data, ap_uptime, no_data_hours), which would tell whether anyone came.
-- In a differentially private release ($dp) those three fields are NULL for every site: they
-- come from client events and are outside the privacy budget.
-- reads: daily_cells, sites
-- params: ap_health, days, dp, footfall_hourly, k
with daily as (
    select site_id, devices, total_hidden from daily_cells
),
health as (
    select site_id, avg((status <> 'silent')::int) as ap_uptime
    from read_parquet(getvariable('ap_health'), hive_partitioning = true)
    group by site_id
),
gaps as (
    select site_id, count(*) filter (no_data) as no_data_hours
    from read_parquet(getvariable('footfall_hourly'), hive_partitioning = true)
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
        case when t.device_days >= getvariable('k') and not t.total_hidden and not s.sensitive then t.device_days end
            as device_days,
        case when t.device_days >= getvariable('k') and not t.total_hidden and not s.sensitive
             then round(t.device_days / getvariable('days'), 1) end
            as mean_daily_devices,
        case when not s.sensitive and not getvariable('dp') then coalesce(t.days_with_data, 0) end as days_with_data,
        case when not s.sensitive and not getvariable('dp') then round(coalesce(h.ap_uptime, 0), 3) end as ap_uptime,
        case when not s.sensitive and not getvariable('dp') then coalesce(g.no_data_hours, 0) end as no_data_hours,
        coalesce(t.device_days < getvariable('k') or t.total_hidden, false) or s.sensitive as suppressed,
        s.sensitive
    from sites as s
    left join totals as t using (site_id)
    left join health as h using (site_id)
    left join gaps as g using (site_id)
)
select * from published order by site_id
