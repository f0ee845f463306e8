select n, '{{ pkg_version() }}' as version, '{{ var("label") }}' as label, '{{ var("scoped") }}' as scoped from {{ ref('pkg_seed') }}
