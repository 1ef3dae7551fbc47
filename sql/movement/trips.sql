-- Trips: one row per leg, a move of a device from one site to the next within the maximum transit
-- time (departure = end of the origin visit, arrival = start of the next). Legs that follow each
-- other through a site (A -> B -> C) are one journey, numbered per device, legs in order.
-- Flaps (short visits at a nearby site's AP, marked in curated/visits) make no trip.
-- reads: nothing
-- params: max_transit_s, visits
with steady as (
    select device, site_id, start, "end" from read_parquet(getvariable('visits')) where not flap
),
pairs as (
    select
        device,
        site_id,
        start,
        "end",
        lead(site_id) over w as next_site,
        lead(start) over w as next_start
    from steady
    window w as (partition by device order by start, "end", site_id)
),
judged as (
    select
        *,
        coalesce(next_site <> site_id
                 and epoch(next_start) - epoch("end") between 0 and getvariable('max_transit_s'), false) as is_leg
    from pairs
),
journeys as (
    select
        *,
        -- every pair that is not a leg ends a journey; the count of earlier ends numbers them
        coalesce(sum((not is_leg)::int) over (partition by device order by "end", start, site_id
                 rows between unbounded preceding and 1 preceding), 0)::integer + 1 as journey
    from judged
),
legs as (
    select
        device,
        journey,
        row_number() over (partition by device, journey order by "end", start, site_id) as leg,
        site_id as origin_site_id,
        next_site as dest_site_id,
        "end" as depart,
        next_start as arrive,
        cast(epoch(next_start) - epoch("end") as integer) as travel_s
    from journeys
    where is_leg
)
select * from legs order by device, depart, origin_site_id, dest_site_id
