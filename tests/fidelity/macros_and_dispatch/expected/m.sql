-- '_'-prefixed macros are registered too; dispatch follows dispatch: search_order (the root
-- project's default__shout wins over the package's)
select 'a' as a, 'hello ' || 'b' as b, 'LOUD' as c,
  'root private' as d