-- Visits: one row per device, site and continuous presence on one service day.
-- A session gives an interval: a stop / disassociation / interim with duration_s covers that much
-- time before it; one without closes the session its AP opened last (assoc / start). Any other
-- event is a moment of presence. Presences of a device at one site (any of its APs, any source)
-- closer than the gap threshold merge into one visit, so roaming between the APs of a site and
-- one session seen by two sources are one visit; so is a move between an AP's radios (band
-- steering: see switches). Flaps (see below) are kept, marked: they make no trip and count in no
-- footfall.
-- reads: aps
-- params: events, flap_s, gap_s
with events as (
    select e.device, e.ap_id, a.site_id, e.ts, e.kind, e.duration_s, e.file_id, e.record
    from read_parquet(getvariable('events')) as e
    join aps as a using (ap_id)
),
switches as (
    -- band steering: a device's association and disassociation at one AP in the same second,
    -- whichever the file wrote first, are its move to the AP's other radio
    select device, ap_id, ts
    from events
    where kind in ('assoc', 'disassoc')
    group by device, ap_id, ts
    having bool_or(kind = 'assoc') and bool_or(kind = 'disassoc')
),
steered as (
    -- the session goes on across a switch: neither of its two events closes or opens one, both
    -- are moments of presence
    select
        e.*,
        case when w.ts is not null and e.kind in ('assoc', 'disassoc') then 'steer' else e.kind end as session_kind
    from events as e
    left join switches as w using (device, ap_id, ts)
),
sessions as (
    select
        *,
        max(case when session_kind in ('assoc', 'start') then ts end) over w as last_open,
        last_value(case when session_kind in ('assoc', 'start', 'disassoc', 'stop') then session_kind end ignore nulls)
            over w as last_open_or_close
    from steered
    -- a total order: ties in one second are broken by the order in the file, then by kind and
    -- duration: reruns give the same visits
    window w as (partition by device, ap_id order by ts, file_id, record, kind, duration_s nulls first
                 rows between unbounded preceding and 1 preceding)
),
presences as (
    select
        device,
        site_id,
        case
            when kind in ('disassoc', 'stop', 'interim') and duration_s is not null
                then ts - to_seconds(duration_s)
            when session_kind in ('disassoc', 'stop') and last_open_or_close in ('assoc', 'start')
                then last_open
            else ts
        end as t0,
        ts as t1
    from sessions
),
distinct_presences as (
    -- equal presences (one session seen by two sources) as one row with its count: the windows
    -- below then order unique rows, so a rerun cuts visits exactly where the last one did
    select device, site_id, t0, t1, count(*) as n from presences group by device, site_id, t0, t1
),
gaps as (
    select
        *,
        max(t1) over (partition by device, site_id order by t0, t1
                      rows between unbounded preceding and 1 preceding) as open_until
    from distinct_presences
),
numbered as (
    select
        *,
        sum(case when open_until is null or t0 > open_until + to_seconds(getvariable('gap_s')) then 1 else 0 end)
            over (partition by device, site_id order by t0, t1 rows unbounded preceding)::bigint as visit_no
    from gaps
),
merged as (
    select
        device,
        site_id,
        min(t0) as start,
        max(t1) as "end",
        cast(epoch(max(t1)) - epoch(min(t0)) as integer) as dwell_s,
        sum(n)::bigint as events
    from numbered
    group by device, site_id, visit_no
),
neighbours as (
    select
        *,
        lag(site_id) over w as prev_site,
        lag("end") over w as prev_end,
        lead(site_id) over w as next_site,
        lead(start) over w as next_start,
        max("end") over (w rows between unbounded preceding and 1 preceding) as covered_until
    from merged
    window w as (partition by device order by start, "end", site_id)
),
visits as (
    -- a flap: a visit under flap_s inside a visit elsewhere, or squeezed between visits elsewhere
    -- with gaps under flap_s on both sides; the device was seen by a nearby site's AP, not there
    select
        device, site_id, start, "end", dwell_s, events,
        dwell_s < getvariable('flap_s')
        and (coalesce(covered_until >= "end", false)
             or coalesce(prev_site <> site_id and next_site <> site_id
                         and epoch(start) - epoch(prev_end) < getvariable('flap_s')
                         and epoch(next_start) - epoch("end") < getvariable('flap_s'), false)) as flap
    from neighbours
)
select * from visits order by device, start, site_id, "end"
