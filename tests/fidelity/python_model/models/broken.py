def helper(x):
    return x / 0


def model(dbt, session):
    dbt.config(materialized="table")
    return helper(dbt.ref("base").fetchone()[0])
