select
    id,
    cast({{ dbt.dateadd('day', 1, 'happened_on') }} as date) as next_day,
    cast({{ dbt.dateadd('month', 1, 'happened_on') }} as date) as next_month,
    cast({{ dbt.dateadd('week', 'id', 'happened_on') }} as date) as plus_id_weeks,
    {{ dbt.datediff("cast('2024-01-01' as date)", 'happened_on', 'day') }} as days_since_new_year,
    {{ dbt.datediff("cast('2024-01-01' as date)", 'happened_on', 'month') }} as months_since_new_year,
    cast({{ dbt.date_trunc('month', 'happened_on') }} as date) as month_start,
    {{ dbt.last_day('happened_on', 'month') }} as month_end,
    {{ dbt.last_day('happened_on', 'quarter') }} as quarter_end,
    {{ dbt.date(2024, 2, 29) }} as leap_day,
    {{ dbt.current_timestamp() }} is not null as has_now,
    {{ dbt.current_timestamp_backcompat() }} is not null as has_now_backcompat
from {{ ref('events') }}
