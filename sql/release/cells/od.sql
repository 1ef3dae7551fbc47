-- The true cells of the OD table: per origin and destination zone over the quarter, trips and
-- device_days (the sum over days of the distinct devices that made the move).
-- reads: nothing
-- params: od_flows
select
    origin_zone_id,
    dest_zone_id,
    sum(trips)::bigint as trips,
    sum(devices)::bigint as device_days,
    median(median_travel_s) as median_travel_s,
    sum(devices_dp)::bigint as device_days_dp,
    max(dp_bound) as dp_bound
from read_parquet(getvariable('od_flows'), hive_partitioning = true, union_by_name = true)
group by origin_zone_id, dest_zone_id
order by origin_zone_id, dest_zone_id
