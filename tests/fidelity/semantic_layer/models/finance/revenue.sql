select ordered_at, sum(amount) as revenue from {{ ref('orders') }} group by 1
