select payment_method, count(*) as payments
from {{ ref('stg_payments') }}
group by 1
