-- Site-hours of one service day with no data: every AP of the site was silent for at least two
-- hours in a row in which the site usually logs many events (a median of 10 or more over
-- the recent days of the same day type, 3 or more, in ap_history): an outage, not a quiet hour, which would be
-- implausibly silent. They are reported as NULL, never as zero people. One row per site and hour.
-- reads: ap_history, ap_today, calendar
-- params: day, day_start_hour, tz
with hours as (
    select unnest(range(24)) as n
),
today as (
    select a.site_id, n.n, sum(a.hour_events[((n.n + getvariable('day_start_hour')) % 24) + 1]) as events
    from ap_today as a
    cross join hours as n
    group by a.site_id, n.n
),
history as (
    -- only days of the same type (weekday / weekend-holiday): a branch office is silent on Sundays
    select a.site_id, a.day, n.n, sum(a.hour_events[((n.n + getvariable('day_start_hour')) % 24) + 1]) as events
    from ap_history as a
    join calendar as c using (day)
    cross join hours as n
    where c.day_type = (select day_type from calendar where day = getvariable('day'))
    group by a.site_id, a.day, n.n
),
usual as (
    select site_id, n, median(events) as median_events, count(*) as history_days
    from history
    group by site_id, n
),
silent as (
    select
        u.site_id,
        timezone(getvariable('tz'), cast(getvariable('day') as timestamp) + to_hours(getvariable('day_start_hour') + u.n)) as hour,
        (u.n + getvariable('day_start_hour')) % 24 as hour_local
    from usual as u
    left join today as t using (site_id, n)
    where u.history_days >= 3
      and u.median_events >= 10
      and coalesce(t.events, 0) = 0
),
outages as (
    -- a lone silent hour is a quiet hour; two in a row are an outage
    select s.*
    from silent as s
    where exists (select 1 from silent as n
                  where n.site_id = s.site_id
                    and abs(epoch(n.hour) - epoch(s.hour)) = 3600)
)
select * from outages order by site_id, hour
