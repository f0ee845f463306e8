select
    id,
    {{ dbt.concat(['category', "'-'", 'cast(id as varchar)']) }} as label,
    {{ dbt.hash('id') }} as id_hash,
    {{ dbt.split_part('path', "'/'", 2) }} as second_part,
    {{ dbt.split_part('path', "'/'", -1) }} as last_part,
    {{ dbt.replace('path', "'/'", "'.'") }} as dotted,
    {{ dbt.right('path', 3) }} as tail,
    {{ dbt.length('path') }} as path_length,
    {{ dbt.position("'/'", 'path') }} as first_slash,
    {{ dbt.cast_bool_to_text('flag') }} as flag_text,
    {{ dbt.string_literal(dbt.escape_single_quotes("it's")) }} = note as is_its
from {{ ref('events') }}
