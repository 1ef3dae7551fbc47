-- Visits: one row per device, site and continuous presence on one service day.
-- A disassociation / stop carries the session it closes (duration_s); any other event is a moment
-- of presence. Presences of a device at one site (any of its APs, any source) closer than the
-- gap threshold merge into one visit, so roaming between the APs of a site is one visit.
with events as (
    select e.device, a.site_id, e.ts, e.kind, e.duration_s
    from read_parquet($events) as e
    join aps as a using (ap_id)
),
presences as (
    select
        device,
        site_id,
        case when kind in ('disassoc', 'stop') and duration_s is not null
             then ts - to_seconds(duration_s) else ts end as t0,
        ts as t1
    from events
),
gaps as (
    select
        *,
        max(t1) over (partition by device, site_id order by t0, t1
                      rows between unbounded preceding and 1 preceding) as open_until
    from presences
),
numbered as (
    select
        *,
        sum(case when open_until is null or t0 > open_until + to_seconds($gap_s) then 1 else 0 end)
            over (partition by device, site_id order by t0, t1 rows unbounded preceding)::bigint as visit_no
    from gaps
),
visits as (
    select
        device,
        site_id,
        min(t0) as start,
        max(t1) as "end",
        cast(epoch(max(t1)) - epoch(min(t0)) as integer) as dwell_s,
        count(*) as events
    from numbered
    group by device, site_id, visit_no
)
select * from visits order by device, start, site_id
