#include "compile/builtin_macros.hpp"

#include <string>

namespace pond::compile {

namespace {

std::string_view core_macros_source() {
  // Semantics follow dbt's documented behaviour; the SQL is pond's own.
  static constexpr std::string_view kSource = R"JINJA(
{% macro get_where_subquery(relation) -%}
  {%- set where = config.get('where') -%}
  {%- if where -%}
    (select * from {{ relation }} where {{ where }}) dbt_subquery
  {%- else -%}
    {{ relation }}
  {%- endif -%}
{%- endmacro %}

{% macro test_not_null(model, column_name) -%}
  {{ adapter.dispatch('test_not_null', 'dbt')(model, column_name) }}
{%- endmacro %}
{% macro default__test_not_null(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is null
{% endmacro %}

{% macro test_unique(model, column_name) -%}
  {{ adapter.dispatch('test_unique', 'dbt')(model, column_name) }}
{%- endmacro %}
{% macro default__test_unique(model, column_name) %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endmacro %}

{% macro test_accepted_values(model, column_name, values, quote=True) -%}
  {{ adapter.dispatch('test_accepted_values', 'dbt')(model, column_name, values, quote) }}
{%- endmacro %}
{% macro default__test_accepted_values(model, column_name, values, quote=True) %}
with all_values as (
    select
        {{ column_name }} as value_field,
        count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
)
select *
from all_values
where value_field not in (
    {% for value in values -%}
    {% if quote %}'{{ value }}'{% else %}{{ value }}{% endif %}{{ ", " if not loop.last }}
    {%- endfor %}
)
{% endmacro %}

{% macro test_relationships(model, column_name, to, field) -%}
  {{ adapter.dispatch('test_relationships', 'dbt')(model, column_name, to, field) }}
{%- endmacro %}
{% macro default__test_relationships(model, column_name, to, field) %}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),
parent as (
    select {{ field }} as to_field
    from {{ to }}
)
select from_field
from child
left join parent on child.from_field = parent.to_field
where parent.to_field is null
{% endmacro %}

{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
  {{ return(adapter.dispatch('generate_schema_name', 'dbt')(custom_schema_name, node)) }}
{%- endmacro %}
{% macro default__generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}{{ target.schema }}
  {%- else -%}{{ target.schema }}_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
  {{ return(adapter.dispatch('generate_alias_name', 'dbt')(custom_alias_name, node)) }}
{%- endmacro %}
{% macro default__generate_alias_name(custom_alias_name=none, node=none) -%}
  {%- if custom_alias_name -%}{{ custom_alias_name | trim }}{%- else -%}{{ node.name }}{%- endif -%}
{%- endmacro %}
{% macro generate_database_name(custom_database_name=none, node=none) -%}
  {{ return(adapter.dispatch('generate_database_name', 'dbt')(custom_database_name, node)) }}
{%- endmacro %}
{% macro default__generate_database_name(custom_database_name=none, node=none) -%}
  {%- if custom_database_name is none -%}{{ target.database }}
  {%- else -%}{{ custom_database_name | trim }}{%- endif -%}
{%- endmacro %}
)JINJA";
  return kSource;
}

}  // namespace

std::string_view builtin_macros_source() {
  static const std::string all = std::string(core_macros_source()) + std::string(cross_db_macros_source());
  return all;
}

}  // namespace pond::compile
