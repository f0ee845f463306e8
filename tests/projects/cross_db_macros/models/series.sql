select
    generated_number,
    {{ dbt.get_powers_of_two(5) }} as bits_for_5,
    {{ dbt.get_powers_of_two(1024) }} as bits_for_1024
from ({{ dbt.generate_series(5) }}) as numbers
