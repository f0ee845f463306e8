select * from (values
  (1, 'a', 1.5, date '2024-01-01', true),
  (2, 'b', null, date '2024-01-02', false),
  (3, null, 3.5, null, null)
) as t(id, name, amount, day, flag)
