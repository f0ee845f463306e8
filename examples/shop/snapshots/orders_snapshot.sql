-- A dbt snapshot: every change of an order's status becomes a new version of the row, with
-- dbt_valid_from/dbt_valid_to telling when it held.
{% snapshot orders_snapshot %}
{{ config(target_schema='snapshots', unique_key='order_id', strategy='check', check_cols=['status']) }}
select order_id, customer_id, order_date, status from {{ ref('stg_orders') }}
{% endsnapshot %}
