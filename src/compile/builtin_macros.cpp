#include "compile/builtin_macros.hpp"

#include <string>

namespace pond::compile {

namespace {

std::string_view core_macros_source() {
  // Semantics follow dbt's documented behaviour; the SQL is pond's own.
  static constexpr std::string_view kSource = R"JINJA(
{#- ---- configs ---- -#}
{% macro should_full_refresh() %}
  {% set config_full_refresh = config.get('full_refresh') %}
  {% if config_full_refresh is none %}{% set config_full_refresh = flags.FULL_REFRESH %}{% endif %}
  {% do return(config_full_refresh) %}
{% endmacro %}
{% macro should_store_failures() %}
  {% set config_store_failures = config.get('store_failures') %}
  {% if config_store_failures is none %}{% set config_store_failures = flags.STORE_FAILURES %}{% endif %}
  {% do return(config_store_failures) %}
{% endmacro %}

{#- ---- relations: what the adapter object does, as macros a project may override ---- -#}
{% macro load_cached_relation(relation) %}
  {% do return(adapter.get_relation(database=relation.database, schema=relation.schema,
                                    identifier=relation.identifier)) -%}
{% endmacro %}
{% macro load_relation(relation) %}{{ return(load_cached_relation(relation)) }}{% endmacro %}
{% macro get_columns_in_relation(relation) -%}
  {{ return(adapter.dispatch('get_columns_in_relation', 'dbt')(relation)) }}
{%- endmacro %}
{% macro duckdb__get_columns_in_relation(relation) -%}
  {{ return(adapter.get_columns_in_relation(relation)) }}
{%- endmacro %}
{% macro get_columns_in_query(select_sql) -%}
  {{ return(adapter.dispatch('get_columns_in_query', 'dbt')(select_sql)) }}
{%- endmacro %}
{% macro default__get_columns_in_query(select_sql) %}
  {% call statement('get_columns_in_query', fetch_result=True, auto_begin=False) -%}
    select * from ({{ select_sql }}) as __dbt_sbq where false limit 0
  {% endcall %}
  {{ return(load_result('get_columns_in_query').table.columns | map(attribute='name') | list) }}
{% endmacro %}
{% macro make_temp_relation(base_relation, suffix='__dbt_tmp') %}
  {{ return(adapter.dispatch('make_temp_relation', 'dbt')(base_relation, suffix)) }}
{% endmacro %}
{% macro default__make_temp_relation(base_relation, suffix) %}
  {% do return(base_relation.incorporate(path={"identifier": base_relation.identifier ~ suffix})) %}
{% endmacro %}
{% macro make_intermediate_relation(base_relation, suffix='__dbt_tmp') %}
  {{ return(adapter.dispatch('make_intermediate_relation', 'dbt')(base_relation, suffix)) }}
{% endmacro %}
{% macro default__make_intermediate_relation(base_relation, suffix) %}
  {{ return(default__make_temp_relation(base_relation, suffix)) }}
{% endmacro %}
{% macro make_backup_relation(base_relation, backup_relation_type, suffix='__dbt_backup') %}
  {{ return(adapter.dispatch('make_backup_relation', 'dbt')(base_relation, backup_relation_type, suffix)) }}
{% endmacro %}
{% macro default__make_backup_relation(base_relation, backup_relation_type, suffix) %}
  {% do return(base_relation.incorporate(path={"identifier": base_relation.identifier ~ suffix},
                                         type=backup_relation_type)) %}
{% endmacro %}
{% macro drop_relation(relation) -%}{{ return(adapter.drop_relation(relation)) }}{% endmacro %}
{% macro drop_relation_if_exists(relation) %}
  {% if relation is not none %}{{ adapter.drop_relation(relation) }}{% endif %}
{% endmacro %}
{% macro truncate_relation(relation) -%}{{ return(adapter.truncate_relation(relation)) }}{% endmacro %}
{% macro rename_relation(from_relation, to_relation) -%}
  {{ return(adapter.rename_relation(from_relation, to_relation)) }}
{% endmacro %}
{% macro create_schema(relation) -%}{{ return(adapter.create_schema(relation)) }}{% endmacro %}
{% macro drop_schema(relation) -%}{{ return(adapter.drop_schema(relation)) }}{% endmacro %}
{% macro list_schemas(database) -%}{{ return(adapter.list_schemas(database)) }}{% endmacro %}
{% macro check_schema_exists(information_schema, schema) -%}
  {{ return(adapter.check_schema_exists(information_schema.database, schema)) }}
{% endmacro %}
{% macro list_relations_without_caching(schema_relation) %}
  {{ return(adapter.list_relations_without_caching(schema_relation)) }}
{% endmacro %}
{% macro information_schema_name(database) %}
  {%- if database -%}{{ database }}.INFORMATION_SCHEMA{%- else -%}INFORMATION_SCHEMA{%- endif -%}
{% endmacro %}
{% macro noop_statement(name=None, message=None, code=None, rows_affected=None, res=None) -%}
  {%- set sql = caller() -%}
  {%- if name is not none -%}
    {{ store_raw_result(name, message=message, code=code, rows_affected=rows_affected, agate_table=res) }}
  {%- endif -%}
{%- endmacro %}

{#- ---- dbt-duckdb ---- -#}
{%- macro external_location(relation, config) -%}
  {%- if config.get('options', {}).get('partition_by') is none -%}
    {%- set format = config.get('format', 'parquet') -%}
    {{- adapter.external_root() }}/{{ relation.identifier }}.{{ format }}
  {%- else -%}
    {{- adapter.external_root() }}/{{ relation.identifier }}
  {%- endif -%}
{%- endmacro -%}
{#- Views over the files of external models the run reads but does not build (dbt-duckdb's
    on-run-start helper): upstream models of the selected nodes that are materialized
    'external', so that the selected models can read them. -#}
{%- macro register_upstream_external_models() -%}
{% if execute %}
{% set upstream_nodes = {} %}
{% set upstream_schemas = {} %}
{% for node in selected_resources %}
  {% if node in graph['nodes'] %}
  {% for upstream_node in graph['nodes'][node]['depends_on']['nodes'] %}
    {% if upstream_node not in upstream_nodes and upstream_node not in selected_resources %}
      {% do upstream_nodes.update({upstream_node: None}) %}
      {% set upstream = graph['nodes'].get(upstream_node) %}
      {% if upstream and upstream.resource_type in ('model', 'seed') and upstream.config.materialized == 'external' %}
        {%- set upstream_rel = api.Relation.create(database=upstream['database'], schema=upstream['schema'],
                                                   identifier=upstream['alias']) -%}
        {%- set location = upstream.config.get('location') or external_location(upstream_rel, upstream.config) -%}
        {% if upstream_rel.schema not in upstream_schemas %}
          {% do run_query('create schema if not exists ' ~ upstream_rel.without_identifier()) %}
          {% do upstream_schemas.update({upstream_rel.schema: None}) %}
        {% endif %}
        {% do run_query('create or replace view ' ~ upstream_rel ~ " as (select * from '" ~ location ~ "')") %}
      {%- endif %}
    {% endif %}
  {% endfor %}
  {% endif %}
{% endfor %}
{% endif %}
{%- endmacro -%}

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
