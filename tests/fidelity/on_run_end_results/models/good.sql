select * from {{ ref('stg_one') }}
