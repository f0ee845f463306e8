select
    cast(1 as {{ dbt.type_string() }}) as s,
    cast(1 as {{ dbt.type_int() }}) as i,
    cast(1 as {{ dbt.type_bigint() }}) as bi,
    cast(1.5 as {{ dbt.type_float() }}) as f,
    cast(1.5 as {{ dbt.type_numeric() }}) as n,
    cast('2024-01-01 10:00:00' as {{ dbt.type_timestamp() }}) as ts,
    cast('true' as {{ dbt.type_boolean() }}) as b,
    {{ dbt.safe_cast("null", dbt.type_int()) }} as bad_int,  -- a plain cast (dbt's default): null stays null
    {{ dbt.safe_cast("'42'", dbt.type_int()) }} as good_int,
    {{ dbt.cast("'7'", dbt.type_bigint()) }} as cast_bigint
