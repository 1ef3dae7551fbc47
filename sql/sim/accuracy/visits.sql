-- Visit precision and recall of one day against the truth (truth_visits, with the day's
-- pseudonyms). A visit matches when device and site agree and the intervals overlap by more than
-- half of their union.
-- reads: truth_visits
-- params: visits
with found as (
    select row_number() over () as id, device, site_id, start, "end"
    from read_parquet(getvariable('visits'))
    where not flap
),
truth as (
    select row_number() over () as id, device, site_id, start, "end" from truth_visits
),
pairs as (
    select
        f.id as found_id,
        t.id as truth_id
    from found as f
    join truth as t using (device, site_id)
    where epoch(least(f."end", t."end")) - epoch(greatest(f.start, t.start))
          > 0.5 * (epoch(greatest(f."end", t."end")) - epoch(least(f.start, t.start)))
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
