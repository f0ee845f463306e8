with kept as (
    select id from {{ ref('events') }}
    {{ dbt.except() }}
    select id from {{ ref('events') }} where category = 'b'
)
select 'except' as op, count(*) as n from kept
union all
select 'intersect', count(*) from (
    select id from {{ ref('events') }}
    {{ dbt.intersect() }}
    select id from {{ ref('events') }} where amount > 5
) as common
