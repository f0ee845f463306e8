select
    generated_number,
    {{ dbt.get_powers_of_two(5) }} as bits_for_5,
    {{ dbt.get_powers_of_two(1024) }} as bits_for_1024,
    {{ dbt.get_intervals_between("cast('2024-01-01' as date)", "cast('2024-03-01' as date)", 'week') }} as weeks
from ({{ dbt.generate_series(5) }}) as numbers
