select
    {{ dbt.array_construct(['1', '2']) }} as two,
    {{ dbt.array_append(dbt.array_construct(['1', '2']), '3') }} as three,
    {{ dbt.array_concat(dbt.array_construct(['1']), dbt.array_construct(['5', '6'])) }} as joined,
    len({{ dbt.array_construct() }}) as empty_length
