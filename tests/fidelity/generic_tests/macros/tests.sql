{# `model` and `other` arrive as Relations; config() in the test macro sets how the result is judged #}
{% test negative_amounts(model, other) %}
  {{ config(severity='warn', fail_calc='sum(n)', warn_if='>1') }}
  {%- if model is not mapping or other.get('metadata')['type'] != 'DuckDBRelation' -%}
    {{ exceptions.raise_compiler_error('not Relations: ' ~ model) }}
  {%- endif %}
  select count(*) as n from {{ model }} where amount < 0 and id in (select id from {{ other }})
{% endtest %}

{# a compile error in a test's macro is a Compilation Error located in the macro (execute: dbt
   renders tests at parse time too, where this would stop the parse) #}
{% test broken(model) %}
  {%- if execute %}{{ exceptions.raise_compiler_error('broken test macro for ' ~ model.identifier) }}{% endif %}
  select 1
{% endtest %}
