select n, {{ pkg_utils.safe_add('n', '1') }} as n1, {{ pkg_utils.greet() }} as greeting, label
from {{ ref('pkg_utils', 'pkg_numbers') }}
