select c.id, c.city, t.city as same_city
from 'data/cities.csv' as c
join read_csv('data/cities.csv') as t using (id)