#!/usr/bin/env python3
"""One day of web visits for the shop, as pond's command asset web_visits runs it.

pond gives the day in POND_PARTITION_KEY (and its window in POND_PARTITION_START/END) and
expects CSV at POND_OUTPUT; it commits the file to the lake table raw.web_visits after this
script exits 0, replacing the rows of that day. Check results and metadata go to POND_PIPES as
JSON lines. The visits are made up, but the same for the same day (seeded by the date), so a
re-run gives the same rows. Standard library only.
"""
import csv
import hashlib
import json
import os
import random
import sys

day = os.environ["POND_PARTITION_KEY"]
if day in os.environ.get("WEB_VISITS_FAIL_ON", "").split(","):
    print(f"the web analytics API refused {day} (WEB_VISITS_FAIL_ON)", file=sys.stderr)
    sys.exit(3)

rng = random.Random(int(hashlib.sha256(day.encode()).hexdigest()[:12], 16))
pages = ["/", "/shop", "/shop/coffee", "/shop/tea", "/cart", "/checkout"]
count = rng.randint(20, 60)
with open(os.environ["POND_OUTPUT"], "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["visit_id", "visit_date", "customer_id", "page", "seconds"])
    for n in range(count):
        out.writerow([f"{day}-{n:03d}", day, rng.randint(1, 100), rng.choice(pages), rng.randint(5, 600)])

with open(os.environ["POND_PIPES"], "a") as pipes:
    pipes.write(json.dumps({"metadata": {"day": day, "visits": count}}) + "\n")
    pipes.write(json.dumps({"check": "has_visits", "passed": count > 0, "message": f"{count} visits"}) + "\n")
print(f"fetched {count} visits for {day}")
