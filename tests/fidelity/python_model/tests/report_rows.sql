select * from {{ ref('report') }} where score != id * 2 or label not like '%!'
union all
select null, null, null where (select count(*) from {{ ref('report') }}) != 3
