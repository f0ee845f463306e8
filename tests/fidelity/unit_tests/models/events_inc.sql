{{ config(materialized='incremental') }}
select id from {{ ref('stg') }}
{% if is_incremental() %}
where id > (select max(id) from {{ this }})
{% endif %}
