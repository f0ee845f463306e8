# An incremental Python model: only new events once the table exists.
def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="id")
    events = dbt.ref("events")
    if dbt.is_incremental:
        events = events.filter(f"id > (select max(id) from {dbt.this})")
    mode = "incremental" if dbt.is_incremental else "full"
    return events.project("id", f"'{mode}' as mode")


# This part is added by pond: dbt's object for this model (refs and sources as relations,
# this, the model's config, is_incremental), read by pond's Python model runtime.
__pond_dbt__ = {
    "config": {
        "materialized": "incremental",
        "tags": [],
        "unique_key": "id",
    },
    "is_incremental": True,
    "refs": {
        "events": "\"pm\".\"main\".\"events\"",
    },
    "sources": {},
    "this": {
        "database": "pm",
        "identifier": "inc",
        "rendered": "\"pm\".\"main\".\"inc\"",
        "schema": "main",
    },
}
