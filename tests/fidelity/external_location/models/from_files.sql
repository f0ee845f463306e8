select c.id, c.city, t.city as same_city
from {{ source('files', 'cities') }} as c
join {{ source('files', 'towns') }} as t using (id)
