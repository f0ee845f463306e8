// dbt's cross-database macros and datetime arithmetic in templates, built end to end on DuckDB:
// tests/projects/cross_db_macros, with tests/projects/xdb_override (a local package replacing
// dbt.hash through the `dbt` dispatch search order). The tables' contents are checked.
#include "e2e/pond_runner.hpp"

namespace pond::test {

namespace {

namespace fs = std::filesystem;

class CrossDbTest : public PondTest {
 protected:
  void SetUp() override {
    for (const char* name : {"cross_db_macros", "xdb_override"})
      fs::copy(fs::path(POND_SOURCE_DIR) / "tests/projects" / name, dir_ / name, fs::copy_options::recursive);
    root_ = dir_ / "cross_db_macros";
  }
  // The rows of a query against the built database, as CSV.
  std::string query(const std::string& sql) {
    ProcessResult r = run_pond({"show", "--inline", sql, "-o", "csv", "--limit", "-1"}, root_);
    EXPECT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
    return r.out;
  }
  fs::path root_;
};

}  // namespace

TEST_F(CrossDbTest, ProjectUsingDbtCrossDatabaseMacrosBuildsWithTheRightContents) {
  ProcessResult r = run_pond({"deps"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_pond({"build"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "PASS=13")) << r.out;

  EXPECT_EQ(
      query("select s, i, bi, f, n, ts, b, bad_int, good_int, cast_bigint, "
            "typeof(s), typeof(i), typeof(bi), typeof(f), typeof(n), typeof(ts), typeof(b) from types"),
      "s,i,bi,f,n,ts,b,bad_int,good_int,cast_bigint,typeof(s),typeof(i),typeof(bi),typeof(f),typeof(n),"
      "typeof(ts),typeof(b)\n"
      "1,1,1,1.5,1.500000,2024-01-01 10:00:00,true,,42,7,VARCHAR,INTEGER,BIGINT,FLOAT,\"DECIMAL(28,6)\","
      "TIMESTAMP,BOOLEAN\n");
  // id_hash: the package's sha256 (64 hex digits), not dbt's md5.
  EXPECT_EQ(
      query("select id, label, length(id_hash) as hash_length, id_hash = sha256('1') as sha, second_part, "
            "last_part, dotted, tail, path_length, first_slash, flag_text, is_its from strings order by id"),
      "id,label,hash_length,sha,second_part,last_part,dotted,tail,path_length,first_slash,flag_text,is_its\n"
      "1,a-1,64,true,y,z,x.y.z,y/z,5,2,true,true\n"
      "2,a-2,64,false,q,q,p.q,p/q,3,2,false,false\n"
      "3,b-3,64,false,s,u,r.s.t.u,t/u,7,2,false,false\n"
      "4,b-4,64,false,,v,v,v,1,0,false,false\n");
  EXPECT_EQ(
      query("select * exclude (has_now, has_now_backcompat), has_now and has_now_backcompat as now_ok "
            "from dates order by id"),
      "id,next_day,next_month,plus_id_weeks,days_since_new_year,months_since_new_year,month_start,month_end,"
      "quarter_end,leap_day,now_ok\n"
      "1,2024-02-01,2024-02-29,2024-02-07,30,0,2024-01-01,2024-01-31,2024-03-31,2024-02-29,true\n"
      "2,2024-02-16,2024-03-15,2024-02-29,45,1,2024-02-01,2024-02-29,2024-03-31,2024-02-29,true\n"
      "3,2024-03-11,2024-04-10,2024-03-31,69,2,2024-03-01,2024-03-31,2024-03-31,2024-02-29,true\n"
      "4,2025-01-01,2025-01-31,2025-01-28,365,11,2024-12-01,2024-12-31,2024-12-31,2024-02-29,true\n");
  // some_amount: the project's default__any_value (min) over dbt's.
  EXPECT_EQ(query("select * from aggregates order by category"),
            "category,paths,first_id,some_amount,any_flag\n"
            "a,\"p/q, x/y/z\",1,5,true\n"
            "b,\"v, r/s/t/u\",3,1,false\n");
  EXPECT_EQ(query("select * from set_ops order by op"), "op,n\nexcept,2\nintersect,2\n");
  EXPECT_EQ(query("select * from arrays"),
            "two,three,joined,empty_length\n\"[1, 2]\",\"[1, 2, 3]\",\"[1, 5, 6]\",0\n");
  EXPECT_EQ(query("select count(*) as n, min(date_day) as first, max(date_day) as last from spine"),
            "n,first,last\n6,2024-01-28 00:00:00,2024-02-02 00:00:00\n");
  EXPECT_EQ(query("select cast(date_month as date) as m from month_spine order by 1"),
            "m\n2024-01-15\n2024-02-15\n2024-03-15\n");
  EXPECT_EQ(query("select count(*) as n, sum(generated_number) as total, min(bits_for_5) as b5, "
                  "min(bits_for_1024) as b1024, min(weeks) as weeks from series"),
            "n,total,b5,b1024,weeks\n5,15,3,10,8\n");  // weeks: get_intervals_between asked the database
  EXPECT_EQ(query("select * from unqualified"), "leap_day,days_in_2024,type_name\n2024-02-29,366,TEXT\n");
  EXPECT_EQ(
      query("select * from template_dates"),
      "three_days_back,iso,plus_36h,start_date,month_start,days_to_christmas,seconds_back,recent_is_past,"
      "ordered,sorted_dates\n"
      "2024-02-27 12:30:00,2024-02-27T12:30:00,2024-03-03 00:30,2024-03-01,2024-03-01 00:00:00,359,259200,"
      "true,true,\"2023-05-01,2024-01-01,2024-05-01\"\n");
  EXPECT_EQ(query("select kind, string_agg(item, ' ' order by item) as items from combos group by kind order "
                  "by kind"),
            "kind,items\nchain,123\ncombination,ml sl sm\nproduct,m-blue m-red s-blue s-red\n");
}

TEST_F(CrossDbTest, WithoutTheDispatchSearchOrderDbtsOwnHashIsUsed) {
  // dbt searches only the root project and dbt itself unless `dispatch:` names the package.
  std::string yml = read_file(root_ / "dbt_project.yml");
  yml = yml.substr(0, yml.find("dispatch:"));
  write_file(root_ / "dbt_project.yml", yml);
  ASSERT_EQ(run_pond({"deps"}, root_).exit_code, 0);
  ProcessResult r = run_pond({"compile", "-s", "strings"}, root_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "md5(cast(id as TEXT)) as id_hash")) << r.out;
}

}  // namespace pond::test
