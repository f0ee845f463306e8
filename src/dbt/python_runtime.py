"""pond's runtime for dbt Python models (dbt-duckdb's `def model(dbt, session)`).

pond runs `python3 python_runtime.py <compiled model file> <work folder>`. The compiled file is
the model's code followed by `__pond_dbt__`, a dict pond rendered (refs, sources, this, config,
is_incremental). Relations are SQL text built here lazily; pond runs the SQL on the model's
DuckDB connection. The protocol is JSON lines: requests on the original stdout, responses on
stdin; bulk data travels as CSV files in the work folder. print() in a model goes to stderr.
"""

import csv
import datetime
import decimal
import json
import os
import sys
import traceback

_proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
_proto_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
os.dup2(2, 1)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
os.close(_devnull)

NULL = "\\N"
_work = sys.argv[2] if len(sys.argv) > 2 else "."
_files = [0]


class Error(Exception):
    """A statement pond ran for the model failed (DuckDB's error text)."""


def _call(op, **fields):
    fields["op"] = op
    _proto_out.write(json.dumps(fields) + "\n")
    _proto_out.flush()
    line = _proto_in.readline()
    if not line:
        raise SystemExit("pond closed the connection")
    response = json.loads(line)
    if not response.get("ok"):
        raise Error(response.get("error", "unknown error"))
    return response


def _next_file():
    _files[0] += 1
    return os.path.join(_work, "py_%d.csv" % _files[0])


def _quote(name):
    return '"' + str(name).replace('"', '""') + '"'


def _exprs(value):
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


_INTEGER = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "UHUGEINT"}
_FLOAT = {"FLOAT", "DOUBLE"}


def _converter(duck_type):
    t = duck_type.upper()
    if t in _INTEGER:
        return int
    if t in _FLOAT:
        return float
    if t.startswith("DECIMAL"):
        return decimal.Decimal
    if t == "BOOLEAN":
        return lambda s: s == "true"
    if t == "DATE":
        return datetime.date.fromisoformat
    if t.startswith("TIMESTAMP"):
        return datetime.datetime.fromisoformat
    if t == "TIME":
        return datetime.time.fromisoformat
    return str


class Relation:
    """The part of DuckDB's DuckDBPyRelation that models use, as SQL text run by pond."""

    def __init__(self, sql, alias="_pond"):
        self._sql = sql
        self._alias = alias
        self._described = None

    # -- building (lazy) --
    def _from(self):
        return "(" + self._sql + ") AS " + _quote(self._alias)

    def project(self, *exprs):
        return Relation("SELECT " + ", ".join(_exprs(e) for e in exprs) + " FROM " + self._from())

    select = project

    def filter(self, condition):
        return Relation("SELECT * FROM " + self._from() + " WHERE " + str(condition))

    def order(self, expr):
        return Relation("SELECT * FROM " + self._from() + " ORDER BY " + str(expr))

    def sort(self, *exprs):
        return self.order(", ".join(str(e) for e in exprs))

    def limit(self, n, offset=0):
        sql = "SELECT * FROM " + self._from() + " LIMIT " + str(int(n))
        if offset:
            sql += " OFFSET " + str(int(offset))
        return Relation(sql)

    def aggregate(self, aggr_expr, group_expr=""):
        sql = "SELECT " + _exprs(aggr_expr) + " FROM " + self._from()
        group = _exprs(group_expr)
        return Relation(sql + (" GROUP BY " + group if group else " GROUP BY ALL"))

    def distinct(self):
        return Relation("SELECT DISTINCT * FROM " + self._from())

    def set_alias(self, alias):
        return Relation(self._sql, alias)

    @property
    def alias(self):
        return self._alias

    def join(self, other, condition, how="inner"):
        kinds = {"inner": "INNER", "left": "LEFT", "right": "RIGHT", "outer": "FULL OUTER",
                 "semi": "SEMI", "anti": "ANTI"}
        if how not in kinds:
            raise ValueError("join: how must be one of " + ", ".join(kinds))
        return Relation("SELECT * FROM " + self._from() + " " + kinds[how] + " JOIN " + other._from() +
                        " ON " + str(condition))

    def union(self, other):
        return Relation("(" + self._sql + ") UNION ALL (" + other._sql + ")")

    def except_(self, other):
        return Relation("(" + self._sql + ") EXCEPT (" + other._sql + ")")

    def intersect(self, other):
        return Relation("(" + self._sql + ") INTERSECT (" + other._sql + ")")

    def query(self, view_name, sql_query):
        head = "WITH " + _quote(view_name) + " AS (" + self._sql + ")"
        body = sql_query.lstrip()
        if body[:4].lower() == "with" and body[4:5].isspace():
            return Relation(head + ", " + body[5:])
        return Relation(head + " " + body)

    def sql_query(self):
        return self._sql

    # -- running (by pond) --
    def execute(self):
        return Relation("SELECT * FROM " + _quote(_call("execute", sql=self._sql, query=True)["table"]))

    def _describe(self):
        if self._described is None:
            self._described = _call("describe", sql=self._sql)["columns"]
        return self._described

    @property
    def columns(self):
        return [c[0] for c in self._describe()]

    @property
    def types(self):
        return [c[1] for c in self._describe()]

    dtypes = types

    def _fetch(self, limit=None):
        path = _next_file()
        response = _call("fetch", sql=self._sql, path=path, limit=limit)
        return path, response["columns"]

    def fetchall(self):
        return self._rows()

    def fetchmany(self, size=1):
        return self._rows(size)

    def fetchone(self):
        rows = self._rows(1)
        return rows[0] if rows else None

    def _rows(self, limit=None):
        path, columns = self._fetch(limit)
        convert = [_converter(t) for _, t in columns]
        try:
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                next(reader, None)
                return [tuple(None if v == NULL else c(v) for c, v in zip(convert, row)) for row in reader]
        finally:
            os.unlink(path)

    def df(self):
        pandas = _pandas()
        path, columns = self._fetch()
        dtypes, dates = {}, []
        for name, t in columns:
            upper = t.upper()
            if upper in ("VARCHAR", "UUID", "BLOB") or upper.endswith("[]") or upper.startswith(("STRUCT", "MAP")):
                dtypes[name] = object
            elif upper == "DATE" or upper.startswith("TIMESTAMP"):
                dates.append(name)
        try:
            frame = pandas.read_csv(path, dtype=dtypes, parse_dates=dates, na_values=[NULL],
                                    keep_default_na=False)
        finally:
            os.unlink(path)
        return frame

    to_df = df
    fetchdf = df

    def show(self):
        print(self.df())

    def __repr__(self):
        return "<pond relation: " + self._sql + ">"


class Session:
    """dbt-duckdb's `session`: the model's DuckDB connection, run by pond."""

    _QUERY = ("select", "with", "from", "values", "table", "pivot", "unpivot", "describe", "show",
              "summarize", "(")

    def sql(self, query):
        if query.lstrip().lower().startswith(self._QUERY):
            rel = Relation(query)
            rel._describe()  # errors point at this line, as DuckDB's sql() does
            return rel
        _call("execute", sql=query)
        return None

    def execute(self, query, parameters=None):
        if parameters is not None:
            raise NotImplementedError("session.execute with parameters is not supported by pond")
        table = _call("execute", sql=query).get("table")
        return Relation("SELECT * FROM " + _quote(table)) if table else None

    def table(self, name):
        return Relation("SELECT * FROM " + name)

    view = table


class _Config:
    def __init__(self, config):
        self._config = config

    def __call__(self, *args, **kwargs):
        return ""  # read at parse time, as dbt does

    def get(self, key, default=None):
        return self._config.get(key, default)


class _This:
    def __init__(self, this):
        self.database = this["database"]
        self.schema = this["schema"]
        self.identifier = this["identifier"]
        self._rendered = this["rendered"]

    def __str__(self):
        return self._rendered

    __repr__ = __str__


class Dbt:
    """dbt's object in a Python model."""

    def __init__(self, meta):
        self._refs = meta["refs"]
        self._sources = meta["sources"]
        self.config = _Config(meta["config"])
        self.this = _This(meta["this"])
        self.is_incremental = meta["is_incremental"]

    def ref(self, *args, **kwargs):
        version = kwargs.get("v", kwargs.get("version"))
        key = ".".join(args) + ("" if version is None else ".v" + str(version))
        if key not in self._refs:
            raise ValueError("dbt.ref(" + ", ".join(repr(a) for a in args) + ") was not found when the "
                             "model was parsed: refs need literal arguments")
        return Relation("SELECT * FROM " + self._refs[key], args[-1])

    def source(self, source_name, table_name):
        key = source_name + "." + table_name
        if key not in self._sources:
            raise ValueError("dbt.source(%r, %r) was not found when the model was parsed" % (source_name, table_name))
        return Relation("SELECT * FROM " + self._sources[key], table_name)


def _pandas():
    try:
        import pandas
    except ImportError:
        raise ImportError("pandas is not installed for " + sys.executable +
                          " (Debian: apt-get install python3-pandas)") from None
    return pandas


def _type_of_values(values):
    """The DuckDB type of a column of Python values (None skipped)."""
    kinds = set()
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            continue
        if isinstance(v, bool):
            kinds.add("BOOLEAN")
        elif isinstance(v, int):
            kinds.add("BIGINT")
        elif isinstance(v, float):
            kinds.add("DOUBLE")
        elif isinstance(v, decimal.Decimal):
            kinds.add("DOUBLE")
        elif isinstance(v, datetime.datetime):
            kinds.add("TIMESTAMPTZ" if v.tzinfo else "TIMESTAMP")
        elif isinstance(v, datetime.date):
            kinds.add("DATE")
        elif isinstance(v, datetime.time):
            kinds.add("TIME")
        else:
            kinds.add("VARCHAR")
    if kinds == {"BIGINT", "DOUBLE"}:
        return "DOUBLE"
    if len(kinds) == 1:
        return kinds.pop()
    return "VARCHAR"


def _text(v):
    if v is None or (isinstance(v, float) and v != v):
        return NULL
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    return str(v)


def _frame_columns(frame):
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        raise ValueError("the DataFrame model() returned has duplicate column names: " + ", ".join(names))
    types = []
    for name, column in zip(names, frame.columns):
        series = frame[column]
        kind = series.dtype.kind
        if kind == "b":
            types.append("BOOLEAN")
        elif kind == "i":
            types.append("BIGINT")
        elif kind == "u":
            types.append("UBIGINT")
        elif kind == "f":
            types.append("DOUBLE")
        elif kind == "M":
            types.append("TIMESTAMPTZ" if getattr(series.dtype, "tz", None) is not None else "TIMESTAMP")
        elif kind in ("O", "U", "S") or str(series.dtype) in ("string", "category"):
            types.append(_type_of_values(series.tolist()))
        else:
            raise TypeError("column %r of the DataFrame model() returned has dtype %s, which pond cannot "
                            "store yet" % (name, series.dtype))
    return names, types


def _write_rows(names, rows):
    path = _next_file()
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        for row in rows:
            writer.writerow([_text(v) for v in row])
    return path


def _list_result(rows):
    if not rows:
        raise ValueError("model() returned an empty list: its columns cannot be known; return a pandas "
                         "DataFrame or a relation instead")
    first = rows[0]
    if isinstance(first, dict):
        names = list(first.keys())
        if any(not isinstance(r, dict) or list(r.keys()) != names for r in rows):
            raise ValueError("model() returned a list of dicts whose keys differ; every row needs the same keys")
        rows = [tuple(r[n] for n in names) for r in rows]
    elif isinstance(first, tuple):
        names = list(getattr(first, "_fields", ["col%d" % i for i in range(len(first))]))
        if any(not isinstance(r, tuple) or len(r) != len(names) for r in rows):
            raise ValueError("model() returned a list of tuples of different lengths")
    else:
        raise TypeError("model() returned a list of %s; expected tuples (columns col0, col1, ... as DuckDB's "
                        "VALUES names them), named tuples or dicts" % type(first).__name__)
    types = [_type_of_values(r[i] for r in rows) for i in range(len(names))]
    return names, types, _write_rows(names, rows)


def _send_result(result):
    if isinstance(result, Relation):
        _call("result", kind="relation", sql=result._sql)
        return
    if type(result).__module__.startswith("pandas") and type(result).__name__ == "DataFrame":
        names, types = _frame_columns(result)
        path = _next_file()
        frame = result.copy(deep=False)
        frame.columns = names
        for name, t in zip(names, types):
            if t == "BOOLEAN" and frame[name].dtype.kind != "b":
                frame[name] = [_text(v) for v in frame[name].tolist()]
        frame.to_csv(path, index=False, na_rep=NULL)
    elif isinstance(result, list):
        names, types, path = _list_result(result)
    else:
        raise TypeError("model() returned %s; return a pandas DataFrame, a relation (dbt.ref(...), "
                        "session.sql(...)) or a list of tuples" % type(result).__name__)
    _call("result", kind="csv", path=path, columns=[[n, t] for n, t in zip(names, types)])


def _user_traceback(exc):
    """The traceback without this runtime's own frames (the model's file:line stay)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    text = "Traceback (most recent call last):\n" if frames else ""
    text += "".join(traceback.format_list(frames))
    text += "".join(traceback.format_exception_only(type(exc), exc))
    return text.rstrip("\n")


def main():
    compiled_path, display_path = sys.argv[1], sys.argv[3]
    with open(compiled_path, encoding="utf-8") as f:
        code = f.read()
    scope = {"__name__": "__pond_model__"}
    try:
        exec(compile(code, display_path, "exec"), scope)
        if "model" not in scope or not callable(scope["model"]):
            raise NameError(display_path + " defines no function model(dbt, session)")
        result = scope["model"](Dbt(scope["__pond_dbt__"]), Session())
        _send_result(result)
    except SystemExit:
        raise
    except BaseException as exc:  # the model's error, reported to pond with its traceback
        _proto_out.write(json.dumps({"op": "error", "traceback": _user_traceback(exc)}) + "\n")
        _proto_out.flush()
        sys.exit(1)


main()
