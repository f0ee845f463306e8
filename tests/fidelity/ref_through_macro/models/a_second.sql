select id + 1 as id from {{ upstream_of('z_first') }}
