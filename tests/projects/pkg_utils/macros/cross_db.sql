{% macro safe_add(a, b) -%}
  {{ return(adapter.dispatch('safe_add', 'pkg_utils')(a, b)) }}
{%- endmacro %}

{% macro default__safe_add(a, b) -%}
  ({{ a }} + {{ b }})
{%- endmacro %}

{% macro duckdb__safe_add(a, b) -%}
  (coalesce({{ a }}, 0) + coalesce({{ b }}, 0))
{%- endmacro %}

{% macro greet() -%}
  {{ return(adapter.dispatch('greet', 'pkg_utils')()) }}
{%- endmacro %}

{% macro default__greet() -%}
  '{{ pkg_version() }}'
{%- endmacro %}

{#- Unqualified call to a macro of the same package. -#}
{% macro pkg_version() -%}pkg v1{%- endmacro %}
