#!/usr/bin/env python3
"""Exports one day of daily_visits with that day's revenue to exports/visits_<day>.csv, as pond's
command asset visits_export runs it (after the dbt models it depends on).

It reads the lake through pond itself: POND_BIN is the pond binary running the step, and
`pond show --inline ... -o csv` prints a query's result as CSV. Standard library only.
"""
import json
import os
import subprocess

day = os.environ["POND_PARTITION_KEY"]
sql = f"""
select v.visit_date, v.visits, v.visitors, coalesce(r.orders, 0) as orders,
       coalesce(r.revenue, 0) as revenue
from main.daily_visits v left join main.daily_revenue r on r.order_date = v.visit_date
where v.visit_date = date '{day}'
"""
result = subprocess.run([os.environ["POND_BIN"], "show", "--inline", sql, "-o", "csv", "--limit", "-1"],
                        capture_output=True, text=True, check=True)
os.makedirs("exports", exist_ok=True)
path = os.path.join("exports", f"visits_{day}.csv")
with open(path, "w") as f:
    f.write(result.stdout)
rows = max(0, len(result.stdout.strip().splitlines()) - 1)
with open(os.environ["POND_PIPES"], "a") as pipes:
    pipes.write(json.dumps({"metadata": {"path": path, "rows": rows}}) + "\n")
print(f"wrote {path} ({rows} rows)")
