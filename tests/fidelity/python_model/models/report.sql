select id, score, label from {{ ref('scored') }}
