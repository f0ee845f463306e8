select 1 as order_id, 10 as customer_id, 25.0 as amount, date '2024-01-01' as ordered_at
