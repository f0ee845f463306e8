select id, mode from {{ ref('inc') }}
where (id <= 3 and mode != 'full') or (id > 3 and mode != 'incremental')
union all
select null, null where (select count(*) from {{ ref('inc') }}) != {{ var('n', 3) }}
