-- Site-hours of one service day with no data: every AP of the site was silent in that local hour
-- although the site is usually active then (in at least half of the recent days, 3 or more, in
-- ap_history). They are reported as NULL, never as zero people. One row per site and hour.
with today as (
    select site_id, bit_or(active_mask) as mask from ap_today group by site_id
),
history as (
    select site_id, day, bit_or(active_mask) as mask from ap_history group by site_id, day
),
hours as (
    select
        unnest(generate_series(0, 23)) as n
),
usual as (
    select
        h.site_id,
        (n.n + $day_start_hour) % 24 as hour_local,
        n.n,
        count(*) filter ((h.mask >> ((n.n + $day_start_hour) % 24)) & 1 = 1) as active_days,
        count(*) as history_days
    from history as h
    cross join hours as n
    group by h.site_id, n.n
),
silent as (
    select
        u.site_id,
        timezone($tz, cast($day as timestamp) + to_hours($day_start_hour + u.n)) as hour,
        u.hour_local
    from usual as u
    left join today as t using (site_id)
    where u.history_days >= 3
      and u.active_days * 2 >= u.history_days
      and (coalesce(t.mask, 0) >> u.hour_local) & 1 = 0
)
select * from silent order by site_id, hour
