select
  $$[1, 2, 3]$$ as set_items,
  3 as set_length,
  $$d873154f067233434b64c0b8b2348cdb$$ as md5,
  $$[(1, 'a'), (2, 'b')]$$ as zipped,
  $${'select': ['bob'], 'insert': ['c']}$$ as diff,
  $$1.9.0$$ as dbt_version,
  $$"ctx"."main"."people"$$ as builtin_ref,
  $$p0nd$$ as tried,
  $$"d"."s"."t"$$ as created,
  False as full_refresh,
  False as store_failures,
  $$"x"$$ as quoted