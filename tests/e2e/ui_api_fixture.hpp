#pragma once
// The fixture of the `pond ui` API tests: a `pond init` project (with a lake) served by a real
// `pond ui` on a free port, and a client with JSON helpers.
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "pond_runner.hpp"
#include "support/server_process.hpp"

namespace pond::test {

using nlohmann::json;

class UiApiTest : public PondTest {
 protected:
  void SetUp() override {
    root_ = init_lake_project();
    start({"ui", "--port", "0"});
  }
  void start(const std::vector<std::string>& args) {
    std::vector<std::string> argv{POND_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    server_ = std::make_unique<ServerProcess>(argv, root_);
    auto port = server_->wait_for(std::regex(R"(http://[^:]+:(\d+)/)"));
    ASSERT_TRUE(port) << server_->output();
    port_ = std::stoi(*port);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(30, 0);
  }
  json get_json(const std::string& path, int expected = 200) {
    auto r = client_->Get(path);
    EXPECT_TRUE(r) << path;
    if (!r) return nullptr;
    EXPECT_EQ(r->status, expected) << path << ": " << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8") << path;
    EXPECT_FALSE(r->has_header("Content-Encoding")) << path;
    return json::parse(r->body, nullptr, false);
  }
  json post_json(const std::string& path, const std::string& body, int expected,
                 const std::string& type = "application/json") {
    auto r = client_->Post(path, body, type);
    EXPECT_TRUE(r) << path;
    if (!r) return nullptr;
    EXPECT_EQ(r->status, expected) << path << " " << body << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }
  // Polls the run until it has finished; returns its detail.
  json wait_for_run(const std::string& id) {
    json run;
    for (int i = 0; i < 300; ++i) {
      run = get_json("/api/runs/" + id);
      std::string s = run.value("status", "");
      if (s != "queued" && s != "running") return run;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "run " << id << " did not finish: " << run.dump();
    return run;
  }
  static bool has_name(const json& list, const std::string& name) {
    for (const auto& e : list)
      if ((e.is_string() && e == name) || (e.is_object() && e.value("name", "") == name)) return true;
    return false;
  }

  std::filesystem::path root_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = 0;
};

}  // namespace pond::test
