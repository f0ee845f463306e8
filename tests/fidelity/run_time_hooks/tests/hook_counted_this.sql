-- the post-hook ran after the model was built, and saw its three rows through `this`
select * from {{ target.schema }}.hook_log
where name = '{{ ref('three').identifier }}' and row_count <> 3
union all
select 'missing', 0 where not exists (select 1 from {{ target.schema }}.hook_log where name = 'three')
