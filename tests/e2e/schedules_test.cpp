// `pond schedules`: pond.yml's schedules with their next tick, the dry run of a window, and bad
// schedules refused at their pond.yml line.
#include <gtest/gtest.h>

#include "e2e/mini_project.hpp"

namespace pond::test {
namespace {

namespace fs = std::filesystem;

class Schedules : public PondTest {
 protected:
  fs::path project(const std::string& pond_yml) {
    fs::path root = dir_ / "mini";
    write_mini_project(root);
    write_file(root / "models" / "items.sql", "select * from {{ ref('raw_items') }}\n");
    write_file(root / "pond.yml", pond_yml);
    return root;
  }
};

const char* kSchedules =
    "partitions:\n"
    "  daily:\n    type: daily\n    start: 2026-01-01\n    timezone: Europe/Berlin\n"
    "schedules:\n"
    "  nightly:\n    cron: '30 2 * * *'\n    timezone: Europe/Berlin\n    select: [items]\n"
    "  hourly:\n    cron: '@hourly'\n    enabled: false\n"
    "  per_day:\n    cron: '0 1 * * *'\n    timezone: Europe/Berlin\n    partitions: daily\n    catchup: 3\n";

TEST_F(Schedules, ListsNextTicksAndDryRunsAWindowAcrossDst) {
  fs::path root = project(kSchedules);
  ProcessResult r = run_pond({"schedules", "-o", "csv"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("nightly,30 2 * * *,Europe/Berlin,items,,on,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hourly,@hourly,UTC,*,,off,"), std::string::npos) << r.out;

  r = run_pond(
      {"schedules", "nightly", "--from", "2026-03-27T12:00", "--until", "2026-03-30T12:00", "-o", "csv"},
      root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "tick_utc,tick_local,schedule,partition\n"
            "2026-03-28T01:30Z,2026-03-28 02:30 CET,nightly,\n"
            "2026-03-29T01:00Z,2026-03-29 03:00 CEST,nightly,\n"
            "2026-03-30T00:30Z,2026-03-30 02:30 CEST,nightly,\n");
  r = run_pond({"schedules", "per_day", "--from", "2026-03-28", "--until", "2026-03-30T12:00Z", "-o", "csv"},
               root);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2026-03-29T00:00Z,2026-03-29 01:00 CET,per_day,2026-03-28"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2026-03-29T23:00Z,2026-03-30 01:00 CEST,per_day,2026-03-29"), std::string::npos)
      << r.out;

  r = run_pond({"schedules", "nightly", "--from", "yesterday", "--until", "2026-03-30"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--from 'yesterday' is not a UTC time"), std::string::npos) << r.err;
  r = run_pond({"schedules", "nope"}, root);
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(Schedules, BadSchedulesAreRefusedAtTheirLine) {
  fs::path root = project("schedules:\n  nightly:\n    cron: '61 2 * * *'\n");
  ProcessResult r = run_pond({"schedules"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("pond.yml:3:11"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad cron"), std::string::npos) << r.err;
  root = project("schedules:\n  nightly:\n    cron: '@daily'\n    timezone: Europe/Amsterdm\n");
  r = run_pond({"schedules"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean 'Europe/Amsterdam'"), std::string::npos) << r.err;
  root = project("schedules:\n  nightly:\n    crn: '@daily'\n");
  r = run_pond({"schedules"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean 'cron'"), std::string::npos) << r.err;
  root = project("schedules:\n  nightly:\n    cron: '@daily'\n    partitions: dayly\n");
  r = run_pond({"schedules"}, root);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown partitions 'dayly'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pond::test
