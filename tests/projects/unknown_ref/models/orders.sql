select *
from {{ ref('stg_ordres') }}
