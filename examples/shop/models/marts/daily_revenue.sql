-- An incremental model: each run recomputes the last three days of orders and merges them
-- into the table by day (in the lake: a positional delete of the old rows plus an append).
{{ config(materialized='incremental', unique_key='order_date', incremental_strategy='merge') }}

select
    order_date,
    count(*) as orders,
    sum(amount) as revenue
from {{ ref('orders') }}
{% if is_incremental() %}
where order_date >= (select max(order_date) - interval 3 day from {{ this }})
{% endif %}
group by order_date
