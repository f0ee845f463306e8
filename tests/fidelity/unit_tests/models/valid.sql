select id, email, regexp_matches(email, '^[^@]+@[^@]+\.[a-z]+$') as is_valid, '{{ var("region", "eu") }}' as region
from {{ ref('stg') }}
