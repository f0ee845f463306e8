select
    category,
    {{ dbt.listagg('path', "', '", 'order by id desc') }} as paths,
    {{ dbt.listagg('cast(id as varchar)', "'|'", 'order by id', 1) }} as first_id,
    {{ dbt.any_value('amount') }} as some_amount,
    {{ dbt.bool_or('flag') }} as any_flag
from {{ ref('events') }}
group by category
