-- Published hourly profile: per site, day type (weekday / holiday) and local hour, the mean
-- number of devices present over the quarter's days of that type. device_hours (the sum over days)
-- is blank when hidden_device_hours (below k, or hidden in an earlier version of the release:
-- pipeline/release/suppression.py). One row per site, day type and hour; sensitive sites are left out.
-- Hours without data (silent APs) are counted in no_data_days and left out of the mean; in a
-- differentially private release no_data_days is NULL (not published) and the mean is over all days.
-- Reads profile_cells (cells/profile.sql, noised first when the release is differentially private).
-- reads: calendar, profile_cells, sites
-- params: none
with ruled as (
    select *, not hidden_device_hours as shown from profile_cells
),
published as (
    select
        p.site_id,
        s.site_name,
        round(s.lat, 6) as lat,
        round(s.lon, 6) as lon,
        p.day_type,
        p.hour_local,
        case when p.shown then p.device_hours end as device_hours,
        case when p.shown
             then round(p.device_hours / (c.days - coalesce(p.no_data_days, 0)), 2) end as mean_devices,
        p.no_data_days,
        not p.shown as suppressed
    from ruled as p
    join sites as s using (site_id)
    join (select day_type, count(*) as days from calendar group by day_type) as c using (day_type)
    where not s.sensitive
)
select * from published order by site_id, day_type, hour_local
