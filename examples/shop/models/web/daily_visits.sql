-- Visits per day, partitioned by day in pond.yml: `pond materialize` runs it for one day at a
-- time with the day as vars, and each run replaces that day's row (delete+insert on
-- visit_date). Without the vars (a plain run), it recomputes every day.
{{ config(materialized='incremental', unique_key='visit_date', incremental_strategy='delete+insert') }}

select
    cast(visit_date as date) as visit_date,
    count(*) as visits,
    count(distinct customer_id) as visitors,
    sum(seconds) as seconds_on_site
from {{ source('web', 'visits') }}
{% if var('partition_start', none) is not none %}
where visit_date >= cast('{{ var("partition_start") }}' as timestamp)
  and visit_date < cast('{{ var("partition_end") }}' as timestamp)
{% endif %}
group by 1
