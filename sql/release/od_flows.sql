-- Published OD flows of a quarter: one row per origin and destination zone, all hour bands.
-- device_days: the sum over days of the distinct devices that made the move; trips: the moves.
-- A row is blank (suppressed) when hidden_device_days: device_days below k, trips - device_days
-- (repeat trips) between 1 and k - 1, or hidden in an earlier version (pipeline/release/suppression.py).
-- A zone made only of sensitive sites is left out.
-- Reads od_cells (cells/od.sql, noised first when the release is differentially private).
-- reads: od_cells, zones
-- params: none
with ruled as (
    select *, not hidden_device_days as shown from od_cells
),
published as (
    select
        p.origin_zone_id,
        o.zone_name as origin_name,
        p.dest_zone_id,
        d.zone_name as dest_name,
        case when p.shown then p.trips end as trips,
        case when p.shown then p.device_days end as device_days,
        case when p.shown then round(p.median_travel_s / 60.0, 1) end
            as median_travel_min,
        round(o.lat, 6) as origin_lat, round(o.lon, 6) as origin_lon,
        round(d.lat, 6) as dest_lat, round(d.lon, 6) as dest_lon,
        not p.shown as suppressed
    from ruled as p
    join zones as o on o.zone_id = p.origin_zone_id
    join zones as d on d.zone_id = p.dest_zone_id
    where not o.sensitive and not d.sensitive
)
select * from published order by trips desc nulls last, origin_zone_id, dest_zone_id
