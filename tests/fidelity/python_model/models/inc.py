# An incremental Python model: only new events once the table exists.
def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="id")
    events = dbt.ref("events")
    if dbt.is_incremental:
        events = events.filter(f"id > (select max(id) from {dbt.this})")
    mode = "incremental" if dbt.is_incremental else "full"
    return events.project("id", f"'{mode}' as mode")
