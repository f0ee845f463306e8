{#- The project's own default__ wins over dbt's: the root project is searched first. -#}
{% macro default__any_value(expression) -%}
  min({{ expression }})
{%- endmacro %}
