-- Access-point health of one service day: one row per access point of the registry.
-- active_mask has bit h set when the AP logged anything in local hour h. An AP with no event is
-- 'silent'; one active in fewer than half its usual hours (median of the recent days in
-- ap_history, at least 3 of them) is 'degraded'. usually_active: it logged on at least half of
-- those days (a silent AP that is usually active is an outage, not a quiet place).
with events as (
    select ap_id, ts from read_parquet($events)
),
per_hour as (
    select ap_id, local_hour(ts, $tz) as hour_local, count(*) as events, min(ts) as first_ts,
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
    select
        ap_id,
        median(active_hours) as typical_active_hours,
        count(*) as history_days,
        count(*) filter (events > 0) as active_days
    from ap_history
    group by ap_id
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
        coalesce(t.history_days >= 3 and t.active_days * 2 >= t.history_days, false)
            as usually_active,
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
