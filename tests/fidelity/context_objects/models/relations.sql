{%- set rel = ref('people') -%}
{%- set cols = adapter.get_columns_in_relation(rel) -%}
select
  {{ rel is mapping }} as is_mapping,
  $${{ rel.get("metadata") }}$$ as metadata,
  $${{ rel.include(database=false) }}$$ as without_db,
  $${{ rel.incorporate(path={"identifier": "other"}, type="view") }}$$ as incorporated,
  {{ rel.incorporate(type="view").is_view }} as is_view,
  $${{ rel.quote(identifier=false) }}$$ as unquoted,
  $${{ rel.without_identifier() }}$$ as schema_only,
  $${{ rel.information_schema("tables") }}$$ as info_schema,
  $${{ this.render() }}$$ as this_rendered,
  $${{ cols | map(attribute="name") | join(",") }}$$ as column_names,
  $${{ cols | map(attribute="dtype") | join(",") }}$$ as dtypes,
  $${{ cols[1].data_type }}$$ as name_data_type,
  {{ cols[1].is_string() }} as name_is_string,
  {{ cols[0].is_integer() }} as id_is_integer,
  {{ cols[2].is_number() }} as amount_is_number,
  $${{ api.Column("c", "varchar", char_size=12).data_type }}$$ as sized,
  $${{ api.Column.from_description("n", "numeric(10,2)").data_type }}$$ as numeric_type,
  $${{ cols[0].quoted }}$$ as id_quoted
