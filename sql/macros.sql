-- Shared scalar macros. A MAC is handled as 12 lower-case hex digits ("canonical").
create or replace macro mac_digits(txt) as
    lower(replace(replace(replace(replace(txt, ':', ''), '-', ''), '.', ''), ' ', ''));
create or replace macro mac_hex(txt) as
    case when regexp_full_match(mac_digits(txt), '[0-9a-f]{12}') then mac_digits(txt) end;

-- Every spelling of a MAC (aa:bb.., AA-BB.., aabb.ccdd.eeff, aabbccddeeff) is masked before a
-- line may leave memory (quarantine). Partial MACs count too (4 or more octets: a truncated line
-- still names a device; 3 would mask every hh:mm:ss), and so does any mac= field value.
create or replace macro mask_macs(txt) as
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(txt, '(mac=[''"]?)[^''"\s]*', '\1masked', 'gi'),
                '[0-9A-Fa-f]{2}([:\-][0-9A-Fa-f]{2}){3,}', 'xx:xx:xx:xx:xx:xx', 'g'),
            '[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4}){1,2}', 'xxxx.xxxx.xxxx', 'g'),
        '[0-9A-Fa-f]{12,}', 'xxxxxxxxxxxx', 'g');

-- The service day of a UTC instant: local date after moving the day boundary to midnight.
create or replace macro service_day(ts, tz, start_hour) as
    cast(timezone(tz, ts) - to_hours(start_hour) as date);

-- Local hour of day (0-23) of a UTC instant.
create or replace macro local_hour(ts, tz) as hour(timezone(tz, ts));
