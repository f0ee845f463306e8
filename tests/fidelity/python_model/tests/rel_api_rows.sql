select * from {{ ref('rel_api') }} where not (id = 3 and doubled = 7.0)
union all
select null, null where (select count(*) from {{ ref('rel_api') }}) != 1
