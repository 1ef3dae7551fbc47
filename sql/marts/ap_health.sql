-- Access-point health of one service day: one row per access point of the registry.
-- active_mask has bit h set when the AP logged anything in local hour h. An AP with no event is
-- 'silent'; one active in fewer than half its usual hours (median of the recent days of the same
-- type in ap_history, at least 3 of them) is 'degraded'. usually_active: it logged on every one of
-- those days, 10 events or more on a median day, so that its silence is an outage, not a quiet day.
-- reads: ap_history, aps, calendar
-- params: day, events, tz
with events as (
    select ap_id, ts from read_parquet(getvariable('events'))
),
per_hour as (
    select ap_id, local_hour(ts, getvariable('tz')) as hour_local, count(*) as events, min(ts) as first_ts,
           max(ts) as last_ts
    from events
    group by ap_id, hour_local
),
per_ap as (
    select
        ap_id,
        sum(events)::bigint as events,
        count(*) as active_hours,
        min(first_ts) as first_seen,
        max(last_ts) as last_seen,
        bit_or(cast(1 as integer) << hour_local) as active_mask
    from per_hour
    group by ap_id
),
hour_grid as (
    -- events in each local hour 0-23 of every AP: what tells an outage from a quiet hour later
    select a.ap_id, list(coalesce(p.events, 0) order by h.hour_local) as hour_events
    from aps as a
    cross join (select unnest(range(24)) as hour_local) as h
    left join per_hour as p on p.ap_id = a.ap_id and p.hour_local = h.hour_local
    group by a.ap_id
),
typical as (
    -- the AP on recent days of the same type as this one (weekday / weekend-holiday)
    select
        h.ap_id,
        median(h.active_hours) as typical_active_hours,
        median(h.events) as typical_events,
        count(*) as history_days,
        count(*) filter (h.events > 0) as active_days
    from ap_history as h
    join calendar as c using (day)
    where c.day_type = (select day_type from calendar where day = getvariable('day'))
    group by h.ap_id
),
health as (
    select
        a.ap_id,
        a.site_id,
        coalesce(p.events, 0) as events,
        coalesce(p.active_hours, 0) as active_hours,
        p.first_seen,
        p.last_seen,
        coalesce(p.active_mask, 0) as active_mask,
        g.hour_events,
        t.typical_active_hours,
        coalesce(t.history_days >= 3 and t.active_days = t.history_days
                 and t.typical_events >= 10, false) as usually_active,
        case
            when p.events is null then 'silent'
            when t.history_days >= 3 and p.active_hours < t.typical_active_hours / 2 then 'degraded'
            else 'ok'
        end as status
    from aps as a
    left join per_ap as p using (ap_id)
    left join typical as t using (ap_id)
    join hour_grid as g using (ap_id)
)
select * from health order by ap_id
