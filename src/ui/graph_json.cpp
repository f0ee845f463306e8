// GET /api/graph: every asset with its status and every edge, written straight into one string.
// At 5,000 assets building the answer as a JSON document first (a map per asset, then dump) took
// most of the request's time; the shape is the same as the other answers' (docs/ui.md).
#include <fmt/format.h>

#include <set>
#include <string>
#include <string_view>

#include "orchestrate/status.hpp"
#include "project/manifest.hpp"
#include "ui/api.hpp"

namespace pond::ui {

namespace {

// A JSON string literal (RFC 8259: quote, backslash and control characters escaped; UTF-8 as is).
void put_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          fmt::format_to(std::back_inserter(out), "\\u{:04x}",
                         static_cast<unsigned>(static_cast<unsigned char>(c)));
        else
          out += c;
    }
  }
  out += '"';
}

void put_strings(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    put_string(out, v[i]);
  }
  out += ']';
}

void put_status(std::string& out, const orchestrate::AssetNode& a, const orchestrate::AssetStatus& s) {
  out += "{\"state\":";
  put_string(out, s.state);
  out += ",\"last_materialized\":";
  if (s.last_materialized.empty())
    out += "null";
  else
    put_string(out, s.last_materialized);
  out += ",\"last_run_id\":";
  if (s.last_run_id.empty())
    out += "null";
  else
    put_string(out, s.last_run_id);
  out += ",\"reasons\":";
  put_strings(out, s.reasons);
  out += ",\"partitions\":";
  if (!a.partitions) {
    out += "null}";
    return;
  }
  out += "{\"definition\":";
  put_string(out, a.partitions->name());
  fmt::format_to(
      std::back_inserter(out),
      ",\"total\":{},\"materialized\":{},\"failed\":{},\"missing\":{},\"in_progress\":{},\"stale\":{}}}}}",
      s.total, s.materialized, s.failed, s.missing, s.in_progress, s.stale);
}

void put_checks(std::string& out, const orchestrate::StoreSnapshot& snap, const std::string& key) {
  int pass = 0, warn = 0, fail = 0;
  if (auto it = snap.checks.find(key); it != snap.checks.end())
    for (const auto& r : it->second) {
      pass += r.status == "pass";
      warn += r.status == "warn";
      fail += r.status == "fail" || r.status == "error";
    }
  fmt::format_to(std::back_inserter(out), "{{\"pass\":{},\"warn\":{},\"fail\":{}}}", pass, warn, fail);
}

}  // namespace

std::string graph_json_text(const orchestrate::Workspace& ws, runstore::RunStore& store, EpochSeconds now) {
  const orchestrate::AssetGraph& g = ws.graph();
  auto snap = orchestrate::StoreSnapshot::read(store);
  std::vector<std::size_t> all(g.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  auto statuses = orchestrate::asset_status(g, snap, all, now);
  std::string out;
  out.reserve(g.size() * 320);
  const auto* m = g.manifest();
  out += "{\"project\":";
  put_string(out, m ? m->project.name : "");
  out += ",\"assets\":[";
  std::set<std::string> groups;
  for (std::size_t i = 0; i < g.size(); ++i) {
    const orchestrate::AssetNode& a = g.node(i);
    if (i) out += ',';
    fmt::format_to(std::back_inserter(out), "{{\"id\":{},\"name\":", i);
    put_string(out, a.name);
    out += ",\"key\":";
    put_string(out, a.key);
    out += ",\"kind\":";
    put_string(out, orchestrate::kind_name(a.kind));
    out += ",\"group\":";
    put_string(out, a.group);
    out += ",\"tags\":";
    put_strings(out, a.tags);
    out += a.materializable() ? ",\"materializable\":true" : ",\"materializable\":false";
    out += ",\"status\":";
    put_status(out, a, statuses[i]);
    out += ",\"checks\":";
    put_checks(out, snap, a.key);
    out += '}';
    if (!a.group.empty()) groups.insert(a.group);
  }
  out += "],\"edges\":[";
  bool first = true;
  for (std::size_t i = 0; i < g.size(); ++i)
    for (std::size_t p : g.node(i).parents) {
      fmt::format_to(std::back_inserter(out), "{}[{},{}]", first ? "" : ",", p, i);
      first = false;
    }
  out += "],\"groups\":";
  put_strings(out, std::vector<std::string>(groups.begin(), groups.end()));
  out += '}';
  return out;
}

}  // namespace pond::ui
