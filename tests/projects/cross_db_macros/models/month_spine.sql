{{ dbt.date_spine('month', "cast('2024-01-15' as date)", "cast('2024-04-20' as date)") }}
