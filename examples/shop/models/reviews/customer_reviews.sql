-- Reviews per customer, from the files pond ingests (pond.yml `ingest: reviews`). `pond
-- materialize` loads new files of landing/reviews/ first, then builds this table.
{{ config(materialized='table') }}

select
    customer_id,
    count(*) as reviews,
    round(avg(stars), 2) as average_stars,
    max(reviewed_at) as last_review_at
from {{ source('reviews', 'reviews') }}
group by 1
