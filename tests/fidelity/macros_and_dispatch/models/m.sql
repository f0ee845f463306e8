-- '_'-prefixed macros are registered too; dispatch follows dispatch: search_order (the root
-- project's default__shout wins over the package's)
select {{ helpers._quoted('a') }} as a, {{ helpers.greet("b") }} as b, {{ helpers.shout() }} as c,
  {{ _private() }} as d
