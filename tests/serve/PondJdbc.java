// What DBeaver/DataGrip (pgjdbc's DatabaseMetaData) and Metabase's PostgreSQL driver (its sync
// SQL) ask `pond serve`, through Debian's PostgreSQL JDBC driver. Every step prints one line
// `name: result` (or `name: FAIL <SQLSTATE> <message>` and continues), so serve_jdbc_e2e.py can
// compare the whole transcript and show every failure at once.
//
// usage: java -cp postgresql.jar:DIR PondJdbc JDBC_URL USER PASSWORD
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;

public final class PondJdbc {
  interface Step {
    String run() throws SQLException;
  }

  static int failures = 0;

  static void step(String name, Step s) {
    String out;
    try {
      out = s.run();
    } catch (SQLException e) {
      failures++;
      out = "FAIL " + e.getSQLState() + " " + e.getMessage().replace('\n', ' ');
    }
    System.out.println(name + ": " + out);
  }

  // Column `col` of every row, joined; the lake's own tables only (schema main).
  static String column(ResultSet rs, String col) throws SQLException {
    List<String> out = new ArrayList<>();
    while (rs.next()) out.add(rs.getString(col));
    rs.close();
    return String.join(",", out);
  }

  static String rows(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    List<String> out = new ArrayList<>();
    while (rs.next()) {
      List<String> row = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); ++i) row.add(String.valueOf(rs.getString(i)));
      out.add(String.join("|", row));
    }
    rs.close();
    return out.size() + " rows" + (out.isEmpty() ? "" : ": " + String.join("; ", out));
  }

  static String query(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      return rows(st.executeQuery(sql));
    }
  }

  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.setProperty("user", args[1]);
    props.setProperty("password", args[2]);
    try (Connection c = DriverManager.getConnection(args[0], props)) {
      DatabaseMetaData md = c.getMetaData();
      step("product", () -> md.getDatabaseProductName() + " " + md.getDatabaseMajorVersion());
      step("catalogs", () -> column(md.getCatalogs(), "TABLE_CAT"));
      step("schemas", () -> column(md.getSchemas(), "TABLE_SCHEM"));
      step("tables", () -> {
        ResultSet rs = md.getTables(null, null, "%", new String[] {"TABLE", "VIEW"});
        List<String> out = new ArrayList<>();
        while (rs.next()) out.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + " " + rs.getString("TABLE_TYPE"));
        return String.join(",", out);
      });
      for (String t : new String[] {"raw_customers", "raw_payments"}) {
        step("columns " + t, () -> {
          ResultSet rs = md.getColumns(null, "main", t, "%");
          List<String> out = new ArrayList<>();
          while (rs.next())
            out.add(rs.getInt("ORDINAL_POSITION") + " " + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME") + " "
                    + rs.getInt("DATA_TYPE") + " " + rs.getString("IS_NULLABLE"));
          return String.join(",", out);
        });
        step("primary keys " + t, () -> rows(md.getPrimaryKeys(null, "main", t)));
        step("imported keys " + t, () -> rows(md.getImportedKeys(null, "main", t)));
        step("index info " + t, () -> rows(md.getIndexInfo(null, "main", t, false, true)));
      }
      step("type info", () -> {
        TreeSet<String> names = new TreeSet<>();
        ResultSet rs = md.getTypeInfo();
        while (rs.next()) names.add(rs.getString("TYPE_NAME"));
        List<String> want = new ArrayList<>();
        for (String n : new String[] {"bool", "int4", "int8", "numeric", "text", "timestamp", "varchar"})
          if (names.contains(n)) want.add(n);
        return String.join(",", want);
      });
      step("procedures", () -> {
        ResultSet rs = md.getProcedures(null, "main", "%");
        int n = 0;
        while (rs.next()) ++n;
        return n + " in main";
      });
      step("server version", () -> query(c, "show server_version_num").replaceAll("[0-9]{6}", "N"));

      // Parameters of several types; from the 5th execution on pgjdbc uses a named server-side
      // statement and binary results (prepareThreshold), so the loop covers both paths.
      step("prepared", () -> {
        String sql = "select p.id, p.amount, ?::integer + 1 as n, ? || '!' as t, ? as ts, ? * 2 as d, "
                   + "?::timestamp + interval 1 day as ts2, p.id > 1 as b, p.amount / 3 as f, "
                   + "date '2026-03-20' - p.id as dt from raw_payments p where p.id = ?";
        String last = "";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          for (int i = 0; i < 7; ++i) {
            ps.setInt(1, 41);
            ps.setString(2, "text");
            ps.setTimestamp(3, Timestamp.valueOf("2026-03-20 12:34:56.5"));
            ps.setBigDecimal(4, new BigDecimal("12.25"));
            ps.setTimestamp(5, Timestamp.valueOf("2026-03-20 12:34:56.5"));
            ps.setLong(6, 3);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              String now = rs.getInt(1) + "|" + rs.getInt(2) + "|" + rs.getInt(3) + "|" + rs.getString(4) + "|"
                         + rs.getTimestamp(5) + "|" + rs.getBigDecimal(6) + "|" + rs.getTimestamp(7) + "|"
                         + rs.getBoolean(8) + "|" + rs.getDouble(9) + "|" + rs.getDate(10);
              if (!last.isEmpty() && !last.equals(now)) return "execution " + i + " differs: " + last + " vs " + now;
              last = now;
            }
          }
        }
        return last;
      });

      // setFetchSize outside autocommit: pgjdbc runs Execute with a row limit and continues the
      // suspended portal.
      step("fetch size", () -> {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
          st.setFetchSize(7);
          ResultSet rs = st.executeQuery("select o.id, o.order_date from raw_orders o order by o.id");
          long n = 0, sum = 0;
          String lastDate = "";
          while (rs.next()) {
            ++n;
            sum += rs.getInt(1);
            lastDate = rs.getDate(2).toString();
          }
          rs.close();
          return n + " rows, id sum " + sum + ", last " + lastDate;
        } finally {
          c.commit();
          c.setAutoCommit(true);
        }
      });

      MetabaseSync.run(c);
    }
    System.out.println("failures: " + failures);
  }
}
