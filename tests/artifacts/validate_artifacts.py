#!/usr/bin/env python3
"""dbt's consumers read pond's artifacts: manifest.json, run_results.json, sources.json and
catalog.json written by pond on the jaffle_shop test project must validate against dbt's
published JSON schemas of the versions they name (tests/fixtures/dbt-schemas).

usage: validate_artifacts.py POND_BINARY SOURCE_DIR
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema

SCHEMA_PREFIX = "https://schemas.getdbt.com/dbt/"


def run(pond, args, cwd, ok_codes=(0,)):
    r = subprocess.run([pond, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    if r.returncode not in ok_codes:
        sys.exit(f"pond {' '.join(args)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def closest_branch(error, doc):
    """For anyOf (one branch per node type), the errors of the branch meant for the value:
    the one that does not reject its resource_type."""
    while error.context:
        branches = {}
        for sub in error.context:
            branches.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
        fitting = [errs for errs in branches.values()
                   if not any("resource_type" in [str(p) for p in s.absolute_path] or
                              "resource_type" in s.message for s in errs)]
        candidates = fitting or list(branches.values())
        errs = min(candidates, key=len)
        error = jsonschema.exceptions.best_match(errs)
    return error


def validate(path, schemas):
    doc = json.loads(path.read_text())
    url = doc["metadata"]["dbt_schema_version"]
    if not url.startswith(SCHEMA_PREFIX):
        return [f"{path.name}: unknown dbt_schema_version {url}"]
    schema_file = schemas / (url[len(SCHEMA_PREFIX):])
    if not schema_file.exists():
        return [f"{path.name}: no schema {schema_file} for {url}"]
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = []
    for e in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        e = closest_branch(e, doc)
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        errors.append(f"{path.name}: {where}: {e.message[:300]}")
    print(f"{path.name}: {url}: {'valid' if not errors else str(len(errors)) + ' error(s)'}")
    return errors


def main():
    pond, source = str(Path(sys.argv[1]).resolve()), Path(sys.argv[2]).resolve()
    schemas = source / "tests/fixtures/dbt-schemas"
    with tempfile.TemporaryDirectory(prefix="pond-artifacts-") as tmp:
        root = Path(tmp) / "jaffle_shop"
        shutil.copytree(source / "tests/projects/jaffle_shop", root)
        # stg_items reads an external file the project does not ship; its source table is
        # made here so that freshness has something to measure.
        run(pond, ["build", "--exclude", "stg_items", "source:ecom"], root, ok_codes=(0, 1))
        run(pond, ["show", "--inline", "create schema if not exists raw"], root)
        run(pond, ["show", "--inline",
                   "create table raw.items as select 1 as item_id, now()::timestamp as _loaded_at"], root)
        run(pond, ["source", "freshness"], root, ok_codes=(0, 1))
        run(pond, ["docs", "generate"], root)
        errors = []
        for name in ["manifest.json", "run_results.json", "sources.json", "catalog.json"]:
            path = root / "target" / name
            if not path.exists():
                errors.append(f"{name}: pond wrote no such file")
                continue
            errors += validate(path, schemas)
        # Unit tests, the semantic layer and groups have their own manifest sections: the
        # fidelity projects that have them are parsed and their manifests validated too.
        checked = 4
        for case in ["unit_tests", "semantic_layer"]:
            project = Path(tmp) / case
            shutil.copytree(source / "tests/fidelity" / case, project)
            run(pond, ["parse"], project)
            path = project / "target" / "manifest.json"
            errors += [f"{case}/{e}" for e in validate(path, schemas)]
            checked += 1
        for e in errors:
            print(e)
        failed = len({e.split(':')[0] for e in errors})
        print(f"{checked - failed} passed, {failed} failed")
        return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
