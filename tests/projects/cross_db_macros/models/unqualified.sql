{#- dbt's macros are global names too, as in dbt. -#}
select
    cast({{ dateadd('day', -1, "cast('2024-03-01' as date)") }} as date) as leap_day,
    {{ datediff("cast('2024-01-01' as date)", "cast('2025-01-01' as date)", 'day') }} as days_in_2024,
    '{{ type_string() }}' as type_name
