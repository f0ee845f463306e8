-- c closes the loop back to a
select * from {{ ref('a') }}
