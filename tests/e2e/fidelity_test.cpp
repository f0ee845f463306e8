// The dbt fidelity corpus (tests/fidelity/<case>/): one tiny project per behaviour of dbt that pond
// reproduces, each with the exact outputs dbt gives. A case's case.json lists the pond commands to
// run (in a copy of the folder) and what must come out:
//   "commands": [["deps"], ["build"]]        run in order
//   "exit_codes": [0, 1]                     one per command (default 0)
//   "env": {"NAME": "value"}                 set for every command
//   "compiled": {"models/x.sql": "expected/x.sql"}  target/compiled/<project>/<path> == the file
//   "stdout": [null, "model.x\n"]             exact stdout of each command (null: not checked)
//   "manifest": {"<unique_id>": {"depends_on.nodes": [...], "config.materialized": "table"}}
//                                            in whichever section holds the id (nodes,
//                                            unit_tests, metrics, semantic_models, groups, ...)
//   "disabled": ["<unique_id>"]              in manifest.json's `disabled`
//   "run_results": {"<unique_id>": "success"}  statuses in target/run_results.json after the
//                                            last command; a list: after each command (null: none)
//   "output_contains": ["..."]               in the last command's stdout+stderr
#include <nlohmann/json.hpp>

#include "e2e/pond_runner.hpp"

namespace pond::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> case_names() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(POND_SOURCE_DIR) / "tests/fidelity"))
    if (fs::exists(e.path() / "case.json")) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// manifest["nodes"][id] at a dotted path ("depends_on.nodes").
const json* at_path(const json& node, const std::string& path) {
  const json* cur = &node;
  std::size_t start = 0;
  while (cur && start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    auto it = cur->find(key);
    cur = it == cur->end() ? nullptr : &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

// Statuses in target/run_results.json; only the ids listed are checked.
void check_run_results(const fs::path& root, const json& expected, const std::string& after) {
  json results = json::parse(read_file(root / "target/run_results.json"));
  std::map<std::string, std::string> status;
  for (const auto& r : results["results"]) status[r["unique_id"]] = r["status"];
  for (const auto& [id, want] : expected.items())
    EXPECT_EQ(status[id], want.get<std::string>()) << id << " after " << after;
}

class FidelityCase : public ::testing::TestWithParam<std::string> {};

TEST_P(FidelityCase, MatchesDbt) {
  fs::path src = fs::path(POND_SOURCE_DIR) / "tests/fidelity" / GetParam();
  json spec = json::parse(read_file(src / "case.json"));
  TempDir dir;
  fs::path root = dir / GetParam();
  fs::copy(src, root, fs::copy_options::recursive);
  ProcessOptions options;
  auto section = [&](const char* key, json fallback) { return spec.contains(key) ? spec[key] : fallback; };
  const json env = section("env", json::object()), compiled_files = section("compiled", json::object()),
             nodes = section("manifest", json::object()), disabled = section("disabled", json::array()),
             texts = section("output_contains", json::array());
  for (const auto& [k, v] : env.items()) options.env[k] = v.get<std::string>();
  std::string last_output;
  const json& commands = spec["commands"];
  for (std::size_t i = 0; i < commands.size(); ++i) {
    std::vector<std::string> args = commands[i].get<std::vector<std::string>>();
    ProcessResult r = run_pond(args, root, options);
    int expected = spec.contains("exit_codes") ? spec["exit_codes"][i].get<int>() : 0;
    EXPECT_EQ(r.exit_code, expected) << "pond " << commands[i].dump() << "\n" << r.out << r.err;
    if (spec.contains("stdout") && i < spec["stdout"].size() && spec["stdout"][i].is_string()) {
      EXPECT_EQ(r.out, spec["stdout"][i].get<std::string>()) << "stdout of pond " << commands[i].dump();
    }
    if (spec.contains("run_results") && spec["run_results"].is_array() && i < spec["run_results"].size() &&
        spec["run_results"][i].is_object())
      check_run_results(root, spec["run_results"][i], commands[i].dump());
    last_output = r.out + r.err;
  }
  json manifest = json::parse(read_file(root / "target/manifest.json"));
  std::string project = manifest["metadata"].value("project_name", "");
  for (const auto& [path, expected_file] : compiled_files.items()) {
    fs::path compiled = root / "target/compiled" / project / path;
    ASSERT_TRUE(fs::exists(compiled)) << compiled;
    EXPECT_EQ(read_file(compiled), read_file(src / expected_file.get<std::string>())) << path;
  }
  for (const auto& [id, fields] : nodes.items()) {
    const json* entry = nullptr;
    for (const auto& [name, members] : manifest.items())
      if (name != "disabled" && members.is_object() && members.contains(id) && members[id].is_object())
        entry = &members[id];
    ASSERT_NE(entry, nullptr) << id << " is not in manifest.json";
    for (const auto& [path, value] : fields.items()) {
      const json* got = at_path(*entry, path);
      ASSERT_NE(got, nullptr) << id << ": no " << path;
      EXPECT_EQ(*got, value) << id << ": " << path;
    }
  }
  for (const auto& id : disabled)
    EXPECT_TRUE(manifest["disabled"].contains(id.get<std::string>())) << id << " is not disabled";
  if (spec.contains("run_results") && spec["run_results"].is_object())
    check_run_results(root, spec["run_results"], "the last command");
  for (const auto& text : texts)
    EXPECT_TRUE(contains(last_output, text.get<std::string>())) << text << " not in:\n" << last_output;
}

INSTANTIATE_TEST_SUITE_P(Corpus, FidelityCase, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
}  // namespace pond::test
