#include "serve/snapshot_pin.hpp"

#include <regex>

#include "common/text.hpp"
#include "serve/sql_error.hpp"

namespace pond::serve {

namespace {

constexpr const char* kVariable = "pond_pinned_snapshot";

std::string unquoted(const std::string& v) {
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    std::string out;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
      out += v[i];
      if (v[i] == '\'' && v[i + 1] == '\'') ++i;
    }
    return out;
  }
  return v;
}

}  // namespace

std::string record_pinned_snapshot_sql(std::int64_t snapshot) {
  return "SET VARIABLE " + std::string(kVariable) + " = " + std::to_string(snapshot);
}

std::optional<SnapshotPinStatement> snapshot_pin_statement(std::string_view sql) {
  static const std::regex set(
      R"(^\s*SET\s+(?:SESSION\s+)?pond\.(snapshot|as_of)(?:\s*=\s*|\s+TO\s+)('(?:[^']|'')*'|[A-Za-z0-9_.:+-]+)\s*;?\s*$)",
      std::regex::icase);
  static const std::regex reset(R"(^\s*RESET\s+pond\.(snapshot|as_of)\s*;?\s*$)", std::regex::icase);
  static const std::regex show(R"(^\s*SHOW\s+pond\.(snapshot|as_of)\s*;?\s*$)", std::regex::icase);
  static const std::regex number(R"(^[0-9]{1,18}$)");
  static const std::regex timestamp(R"(^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$)");
  std::cmatch m;
  const char* b = sql.data();
  const char* e = sql.data() + sql.size();
  SnapshotPinStatement out;
  if (std::regex_match(b, e, m, show)) {
    out.kind = SnapshotPinStatement::Kind::kShow;
    out.sql = "SELECT coalesce(getvariable('" + std::string(kVariable) + "')::VARCHAR, 'latest') AS \"pond." +
              to_lower(m[1].str()) + "\"";
    out.tag = "SHOW";
    return out;
  }
  if (std::regex_match(b, e, m, reset)) {
    out.kind = SnapshotPinStatement::Kind::kReset;
    out.sql = "RESET VARIABLE " + std::string(kVariable);
    out.tag = "RESET";
    return out;
  }
  if (!std::regex_match(b, e, m, set)) return std::nullopt;
  std::string name = to_lower(m[1].str());
  std::string value = unquoted(m[2].str());
  out.tag = "SET";
  if (to_lower(value) == "latest" || to_lower(value) == "default") {
    out.kind = SnapshotPinStatement::Kind::kReset;
    out.sql = "RESET VARIABLE " + std::string(kVariable);
    return out;
  }
  out.kind = SnapshotPinStatement::Kind::kSet;
  if (name == "snapshot") {
    if (!std::regex_match(value, number))
      throw SqlError("22023", "pond.snapshot is a lake snapshot id (a number) or latest, not '" + value +
                                  "'; `pond lake snapshots` lists them");
    out.ref.version = std::stoll(value);
  } else {
    if (!std::regex_match(value, timestamp))
      throw SqlError(
          "22023",
          "pond.as_of is a UTC timestamp 'YYYY-MM-DD HH:MM:SS[.ffffff]' or latest, not '" + value + "'");
    std::string ts = value;
    if (ts.size() > 10) ts[10] = ' ';
    out.ref.timestamp = ts;
  }
  return out;
}

}  // namespace pond::serve
