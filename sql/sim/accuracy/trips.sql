-- Trip precision and recall of one day against the truth: consecutive true visits of a device at
-- different sites within the transit limit. A trip matches when device, origin and destination
-- agree and departure and arrival are each within the gap threshold.
-- reads: truth_visits
-- params: gap_s, max_transit_s, trips
with found as (
    select row_number() over () as id, device, origin_site_id, dest_site_id, depart, arrive
    from read_parquet(getvariable('trips'))
),
ordered as (
    select
        device, site_id, "end",
        lead(site_id) over w as next_site,
        lead(start) over w as next_start
    from truth_visits
    window w as (partition by device order by start)
),
truth as (
    select row_number() over () as id, device, site_id as origin_site_id,
           next_site as dest_site_id, "end" as depart, next_start as arrive
    from ordered
    where next_site <> site_id and epoch(next_start) - epoch("end") <= getvariable('max_transit_s')
),
pairs as (
    select f.id as found_id, t.id as truth_id
    from found as f
    join truth as t using (device, origin_site_id, dest_site_id)
    where abs(epoch(f.depart) - epoch(t.depart)) <= getvariable('gap_s')
      and abs(epoch(f.arrive) - epoch(t.arrive)) <= getvariable('gap_s')
),
scores as (
    select
        (select count(distinct found_id) from pairs) / greatest((select count(*) from found), 1)
            as precision,
        (select count(distinct truth_id) from pairs) / greatest((select count(*) from truth), 1)
            as recall,
        (select count(*) from found) as found,
        (select count(*) from truth) as truth
)
select * from scores
