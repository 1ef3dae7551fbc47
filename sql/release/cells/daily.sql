-- The true cells of the daily table (site x service day of the quarter), before any disclosure
-- control: what k-suppression, or differential privacy and then k-suppression, works on.
-- devices_dp / dp_bound: the bounded count of the marts, for DP (union_by_name: older marts).
-- reads: nothing
-- params: footfall_daily
select day, site_id, devices, visits, visitors, devices - visitors as passers_by, median_dwell_s,
       no_data, devices_dp, dp_bound
from read_parquet(getvariable('footfall_daily'), hive_partitioning = true, union_by_name = true)
order by day, site_id
