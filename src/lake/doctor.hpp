#pragma once
// `pond lake doctor`: checks a lake end to end (every table's files, every view, the catalog's
// own bookkeeping, files no snapshot references) and repairs what can be repaired without
// losing data.
#include <cstdint>
#include <string>
#include <vector>

namespace pond::engine {
class Connection;
}

namespace pond::lake {

class Lake;

// One problem the doctor found: the object it concerns, what is wrong, what to do, and
// whether --repair fixed it.
struct Finding {
  std::string object;  // "main.orders", "catalog", "data path"
  std::string problem;
  std::string hint;
  bool repairable = false;
  bool repaired = false;
};

// What was checked, and what was found.
struct DoctorReport {
  std::int64_t snapshot = 0;
  std::int64_t tables = 0;
  std::int64_t views = 0;
  std::int64_t files = 0;
  std::vector<Finding> findings;
  // Problems left after the run (repaired ones do not count).
  std::size_t open_problems() const;
};

struct DoctorOptions {
  bool repair = false;
  // Unreferenced files younger than this may belong to a commit in flight: never removed.
  std::int64_t orphan_min_age_seconds = 600;
};

// `con` is a scratch DuckDB connection the views are created in to see that they bind.
DoctorReport diagnose(Lake& lake, engine::Connection& con, const DoctorOptions& options = {});

}  // namespace pond::lake
