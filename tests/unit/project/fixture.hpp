#pragma once
// A small project shared by the loader, graph, manifest and selection tests.
#include "project/manifest.hpp"
#include "project/project_file.hpp"
#include "support/temp_dir.hpp"

namespace pond::project {

// A small project: seeds -> staging -> marts, a source, tests, an exposure, a macro.
inline void write_project(const test::TempDir& d) {
  test::write_file(d / "dbt_project.yml", R"(name: shop
profile: shop
vars:
  g: 1
  shop: {scoped: 2}
models:
  shop:
    +tags: [shop]
    staging: {+materialized: view, +schema: stg}
    marts: {+materialized: table, +tags: [nightly]}
tests:
  +severity: warn
)");
  test::write_file(d / "seeds/raw_orders.csv", "id,amount\n1,2\n");
  test::write_file(d / "models/staging/stg_orders.sql",
                   "{{ config(alias='orders_v') }}select * from {{ ref('raw_orders') }} -- {{ cents(1) }}");
  test::write_file(d / "models/staging/stg_items.sql", "select * from {{ source('raw', 'items') }}");
  test::write_file(d / "models/marts/fct.sql",
                   "{{ config(materialized='incremental', tags='hourly') }}\n"
                   "select * from {{ ref('stg_orders') }} join {{ ref('stg_items') }} using (id)");
  test::write_file(d / "models/marts/schema.yml", R"(version: 2
models:
  - name: fct
    description: facts
    config: {meta: {owner: me}, materialized: table}
    columns:
      - name: id
        tags: [key]
        data_tests: [unique, not_null]
sources:
  - name: raw
    tables:
      - name: items
        columns:
          - name: id
            tests: [not_null]
exposures:
  - name: dash
    type: dashboard
    owner: {name: me}
    depends_on: [ref('fct')]
)");
  test::write_file(d / "macros/cents.sql", "{% macro cents(x) %}{{ x }}/100{% endmacro %}");
  test::write_file(d / "tests/no_negatives.sql", "select * from {{ ref('fct') }} where id < 0");
}

inline Manifest load(const test::TempDir& d) {
  LoadOptions o;
  o.target.database = "db";
  o.target.schema = "main";
  return load_manifest(ProjectFile::load(d.path()), o);
}

}  // namespace pond::project
