-- Records of one file that cannot be used, kept with why: file, record, reason and the line with
-- every MAC masked and cut to 500 characters. 'ignored' (other event types) and empty lines are
-- counted, not kept.
with rejected as (
    select record, reason, line
    from resolved
    where reason is not null and reason not in ('ignored', 'empty_line')
),
quarantine as (
    select
        $file_id as file_id,
        record,
        reason,
        left(mask_macs(coalesce(line, '')), 500) as line
    from rejected
)
select * from quarantine order by record
