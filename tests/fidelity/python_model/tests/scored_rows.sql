-- every row the pandas model must give, and nothing else
with expected as (
  select * from (values
    (1, 'a', 1.5, date '2024-01-01', true, 2, 'a!', 'data', '"pm"."main"."scored"'),
    (2, 'b', null, date '2024-01-02', false, 4, 'b!', 'data', '"pm"."main"."scored"'),
    (3, null, 3.5, null, null, 6, '?!', 'data', '"pm"."main"."scored"')
  ) as t(id, name, amount, day, flag, score, label, owner, target)
),
actual as (select id, name, amount, day::date as day, flag, score, label, owner, target from {{ ref('scored') }})
(select * from expected except select * from actual)
union all
(select * from actual except select * from expected)
