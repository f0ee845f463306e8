# A pandas model: reads a ref as a DataFrame, returns a DataFrame.
def model(dbt, session):
    dbt.config(materialized="table", meta={"owner": "data"})
    base = dbt.ref("base").df()
    base["score"] = base["id"] * 2
    base["label"] = base["name"].fillna("?") + "!"
    base["owner"] = dbt.config.get("meta")["owner"]
    base["target"] = str(dbt.this)
    return base
