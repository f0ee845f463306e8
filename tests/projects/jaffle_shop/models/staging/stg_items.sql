{{ config(materialized='table', tags=['items']) }}
select item_id, price from {{ source('ecom', 'raw_items') }}
