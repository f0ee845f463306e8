with expected as (
  select * from (values
    (1, date '2024-01-01', false, 'row 1'),
    (2, date '2024-01-02', false, 'row 2'),
    (3, null, true, 'row 3'),
    (4, date '2024-02-01', false, 'x')
  ) as t(col0, col1, col2, col3)
)
(select * from expected except select * from {{ ref('tuples') }})
union all
(select * from {{ ref('tuples') }} except select * from expected)
