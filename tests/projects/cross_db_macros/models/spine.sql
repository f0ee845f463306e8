{{ dbt.date_spine('day', "cast('2024-01-28' as date)", "cast('2024-02-03' as date)") }}
