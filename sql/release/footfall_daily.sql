-- Published footfall per site and service day of a quarter. One row per site and day with data.
-- A cell below k devices is suppressed (NULL, suppressed = true). Secondary suppression: a site
-- whose quarter total is published never has exactly one hidden day, else total minus the shown
-- days would give it away; the smallest shown day is hidden with it. Sensitive sites are left out.
-- A day whose APs were silent while usually active is no_data: NULL counts, not suppressed, not 0.
-- force_hidden: the cell moved by less than k since an earlier version of the release (revision.py).
-- Reads daily_cells (cells/daily.sql, noised first when the release is differentially private).
with daily as (
    select day, site_id, devices, visits, visitors, passers_by, median_dwell_s, no_data, force_hidden
    from daily_cells
),
primary_rule as (
    select *, not no_data and (devices < $k or force_hidden) as hidden from daily
),
ranked as (
    select
        *,
        count(*) filter (hidden) over (partition by site_id) as hidden_in_site,
        row_number() over (partition by site_id order by hidden or no_data, devices, day)
            as rank_shown
    from primary_rule
),
secondary as (
    select
        *,
        hidden or (hidden_in_site = 1 and rank_shown = 1 and not hidden and not no_data)
            as suppressed
    from ranked
),
published as (
    select
        d.day,
        d.site_id,
        s.site_name,
        case when not suppressed then d.devices end as devices,
        case when not suppressed then d.visitors end as visitors,
        case when not suppressed then d.passers_by end as passers_by,
        case when not suppressed then d.visits end as visits,
        case when not suppressed then round(d.median_dwell_s / 60.0, 1) end as median_dwell_min,
        suppressed,
        no_data
    from secondary as d
    join sites as s using (site_id)
    where not s.sensitive  -- sensitive sites (hospitals, shelters...) only ever within a zone
)
select * from published order by day, site_id
