select range as id from range(1, {{ var('n', 3) }} + 1)
