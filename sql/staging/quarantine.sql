-- Records of one file that cannot be used, kept with why: file, record, reason and the line with
-- every MAC masked and cut to 500 characters. One row per quarantined record.
with rejected as (
    select record, reason, masked_line
    from resolved
    where reason not in ('ignored', 'empty_line')
),
quarantine as (
    select $file_id as file_id, record, reason, masked_line as line
    from rejected
)
select * from quarantine order by record
