{% macro duckdb__hash(field) -%}
  sha256(cast({{ field }} as {{ dbt.type_string() }}))
{%- endmacro %}
