{%- set s = set([3, 1, 3, 2]) -%}
select
  $${{ s | list }}$$ as set_items,
  {{ s | length }} as set_length,
  $${{ local_md5("pond") }}$$ as md5,
  $${{ zip_strict([1, 2], ["a", "b"]) | list }}$$ as zipped,
  $${{ diff_of_two_dicts({"select": ["Alice", "bob"], "insert": ["c"]}, {"SELECT": ["alice"]}) }}$$ as diff,
  $${{ dbt_version }}$$ as dbt_version,
  $${{ builtins.ref("people") }}$$ as builtin_ref,
  $${{ try_or_compiler_error("never shown", modules.re.sub, "o", "0", "pond") }}$$ as tried,
  $${{ api.Relation.create(database="d", schema="s", identifier="t", type="view") }}$$ as created,
  {{ should_full_refresh() }} as full_refresh,
  {{ should_store_failures() }} as store_failures,
  $${{ adapter.quote("x") }}$$ as quoted
