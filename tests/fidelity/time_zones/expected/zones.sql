select
  '2024-07-01 12:30:00-07:00' as summer,
  '2024-01-15 08:00 PST -0800' as winter,
  '2024-07-02T01:00:00+05:30' as in_kolkata,
  '7:00:00' as behind_utc,
  'UTC' as run_started_zone