def model(dbt, session):
    dbt.config(materialized="table")
    base = dbt.ref("base").df()
    base["score"] = base["id"] * 2
    return base
