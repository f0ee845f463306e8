# A list of tuples: columns col0, col1, ... as DuckDB's VALUES names them.
import datetime


def model(dbt, session):
    rows = dbt.ref("base").project("id", "day").order("id").fetchall()
    return [(i, d, d is None, f"row {i}") for i, d in rows] + [(4, datetime.date(2024, 2, 1), False, "x")]
