-- Shared scalar macros. A MAC is handled as 12 lower-case hex digits ("canonical").
create or replace macro mac_hex(txt) as
    case when regexp_full_match(lower(regexp_replace(txt, '[\s:.\-]', '', 'g')), '[0-9a-f]{12}')
         then lower(regexp_replace(txt, '[\s:.\-]', '', 'g')) end;

-- Every spelling of a MAC (aa:bb.., AA-BB.., aabb.ccdd.eeff, aabbccddeeff) is masked before a
-- line may leave memory (quarantine); any run of 12 hex digits counts as one, on purpose.
create or replace macro mask_macs(txt) as
    regexp_replace(
        regexp_replace(
            regexp_replace(txt, '[0-9A-Fa-f]{2}([:\-][0-9A-Fa-f]{2}){5}', 'xx:xx:xx:xx:xx:xx', 'g'),
            '[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}', 'xxxx.xxxx.xxxx', 'g'),
        '[0-9A-Fa-f]{12}', 'xxxxxxxxxxxx', 'g');

-- The service day of a UTC instant: local date after moving the day boundary to midnight.
create or replace macro service_day(ts, tz, start_hour) as
    cast(timezone(tz, ts) - to_hours(start_hour) as date);

-- Local hour of day (0-23) of a UTC instant.
create or replace macro local_hour(ts, tz) as hour(timezone(tz, ts));
