#pragma once
// dbt's Column (dbt-adapters' Column as dbt-duckdb's DuckDBColumn extends it) as a Jinja object:
// what adapter.get_columns_in_relation returns and `api.Column` builds. name, quoted, dtype,
// data_type, char_size, numeric_precision/scale, is_string()/is_number()/..., string_size(),
// can_expand_to(), literal(), and the class methods (create, from_description, string_type,
// numeric_type, translate_type).
#include <optional>
#include <string>

#include "jinja/value.hpp"

namespace pond::compile {

// Column(column, dtype, char_size=None, numeric_precision=None, numeric_scale=None).
jinja::Value make_column(std::string name, std::string dtype, jinja::Value char_size = jinja::Value::none(),
                         jinja::Value numeric_precision = jinja::Value::none(),
                         jinja::Value numeric_scale = jinja::Value::none());

// The column's name and dtype when `v` is a Column object.
std::optional<std::pair<std::string, std::string>> column_of(const jinja::Value& v);

// `api.Column`: callable as the constructor, with the class methods.
jinja::Value column_class();

}  // namespace pond::compile
