select id, email from {{ ref('customers') }}
