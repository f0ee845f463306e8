-- the seed's post-hook dropped the seed through this.incorporate(type='table')
-- {{ ref('dropped') }}
select table_name from information_schema.tables where table_name = 'dropped'
