-- After each block of a RADIUS detail file: its NAS restarts (Accounting-On / -Off), which end
-- every session the NAS still had open. Only a file with one is read again
-- (radius_detail_replay) to find those sessions.
-- reads: radius_typed
-- params: none
create temp table if not exists radius_resets (record bigint, ts timestamptz, nas varchar);

insert into radius_resets
select record, ts, nas from radius_typed where kind = 'nas_reset' and ts is not null;
