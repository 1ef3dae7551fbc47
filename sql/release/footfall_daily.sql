-- Published footfall per site and service day of a quarter. One row per site and day with data.
-- What is hidden was decided on the cells (pipeline/release/suppression.py, pipeline/release/revision.py):
-- hidden_devices: the row's counts are blank (suppressed = true): below k, hidden with one below k
-- so that no site total gives it away, or hidden in an earlier version of the release;
-- hidden_visitors: visitors and passers_by blank (one of them, each the other's complement, is
-- between 1 and k - 1); hidden_visits: visits blank (visits - devices, the repeat visits, is).
-- A day whose APs were silent while usually active is no_data: NULL counts, not suppressed, not 0
-- (NULL itself in a differentially private release). Sensitive sites are left out.
-- Reads daily_cells (cells/daily.sql, noised first when the release is differentially private).
-- reads: daily_cells, sites
-- params: none
with daily as (
    select day, site_id, devices, visits, visitors, passers_by, median_dwell_s, no_data,
           hidden_devices, hidden_visitors, hidden_visits
    from daily_cells
),
published as (
    select
        d.day,
        d.site_id,
        s.site_name,
        case when not d.hidden_devices then d.devices end as devices,
        case when not d.hidden_visitors then d.visitors end as visitors,
        case when not d.hidden_visitors then d.passers_by end as passers_by,
        case when not d.hidden_visits then d.visits end as visits,
        case when not d.hidden_devices then round(d.median_dwell_s / 60.0, 1) end as median_dwell_min,
        d.hidden_devices as suppressed,
        d.no_data
    from daily as d
    join sites as s using (site_id)
    where not s.sensitive  -- sensitive sites (hospitals, shelters...) only ever within a zone
)
select * from published order by day, site_id
