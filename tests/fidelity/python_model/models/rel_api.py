# DuckDB's relational API on refs and on the session, pushed down to SQL by pond.
def model(dbt, session):
    base = dbt.ref("base")
    assert base.columns == ["id", "name", "amount", "day", "flag"], base.columns
    assert base.filter("id = 2").fetchone() is not None
    total = base.aggregate("sum(amount) as total").fetchone()[0]
    assert total == 5.0, total
    rows = base.filter("name is not null").project("id", "name").order("id desc").fetchall()
    assert rows == [(2, "b"), (1, "a")], rows
    session.execute("create or replace temp table staged as select 10 as id")
    staged = session.sql("select id from staged").fetchall()
    assert staged == [(10,)], staged
    top = base.query("b", "select id, amount from b where amount is not null").execute()
    grouped = base.aggregate("flag, count(*) as n", "flag").order("flag nulls last")
    assert grouped.fetchall() == [(False, 1), (True, 1), (None, 1)], grouped.fetchall()
    return top.order("id").limit(1, offset=1).project("id", "amount * 2 as doubled")
