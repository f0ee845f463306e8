#include "automation/notifier.hpp"

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

#include "automation/schedule_evaluator.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "storage/http.hpp"

namespace pond::automation {

namespace {

constexpr const char* kRunsCursor = "notify";  // automation_state: the last failed run handled
constexpr long kPostTimeout = 10;              // seconds per attempt

EpochSeconds epoch_of(const std::string& ts) {
  auto t = parse_utc_time(ts);
  return t ? std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count() : 0;
}

}  // namespace

Notifier::Notifier(const orchestrate::Workspace& ws) {
  for (const auto& c : ws.config().notify) {
    const char* url = std::getenv(c.url_env.c_str());
    if (!url || !*url)
      throw UserError(
          c.where, "notification '" + c.name + "': the environment variable " + c.url_env + " is not set",
          "export " + c.url_env + "=https://hooks.slack.com/services/... before starting pond daemon");
    targets_.push_back({&c, url});
  }
}

void Notifier::send(runstore::RunStore& store, const std::string& event, const std::string& key,
                    EpochSeconds at, const std::string& text, std::ostream& out) {
  const std::string body = nlohmann::json{{"text", text}}.dump();
  for (const auto& t : targets_) {
    if ((event == "run_failure" && !t.config->on_run_failure) || (event == "late" && !t.config->on_late) ||
        (event == "check_failure" && !t.config->on_check_failure))
      continue;
    const std::string source = "notify:" + t.config->name + ":" + key;
    if (!store.recent_ticks(source, 1).empty()) continue;  // notified already (before a restart)
    std::string outcome;
    bool sent = false;
    auto wait = t.config->backoff;
    const int attempts = 1 + t.config->retries;
    for (int k = 1; k <= attempts && !sent; ++k) {
      try {
        storage::HttpResponse r = storage::http_post_json(t.url, body, kPostTimeout);
        sent = r.status >= 200 && r.status < 300;
        outcome = "HTTP " + std::to_string(r.status);
      } catch (const UserError& e) {
        outcome = e.message();  // never the URL
      }
      if (!sent && k < attempts) {
        std::this_thread::sleep_for(wait);
        wait *= 2;
      }
    }
    if (!sent) outcome += " after " + std::to_string(attempts) + " attempt(s)";
    store.record_tick({source, at, sent ? "sent" : "failed", {}, outcome, ""}, {}, std::nullopt);
    out << "Notification " << t.config->name << " (" << event
        << "): " << (sent ? "sent" : "failed: " + outcome) << std::endl;
    if (!sent) log::warn("notification {} ({}) failed: {}", t.config->name, event, outcome);
  }
}

void Notifier::run_failures(orchestrate::Workspace& ws, std::ostream& out) {
  if (targets_.empty()) return;
  runstore::RunStore& store = ws.store();
  auto cursor = store.automation_state(kRunsCursor).cursor;
  if (!cursor) {
    store.set_automation_cursor(kRunsCursor, iso_utc_now());
    return;
  }
  std::string newest = *cursor;
  auto runs = store.recent_runs(500);
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {  // oldest first
    const auto& run = *it;
    if (run.finished_at.empty() || run.finished_at <= *cursor) continue;
    newest = std::max(newest, run.finished_at);
    checks_failed(store, run, out);
    if (run.status != "error" && run.status != "crashed") continue;
    std::string failed;
    for (const auto& s : store.steps_of(run.run_id))
      if (s.status == "error" || s.status == "fail")
        failed += (failed.empty() ? "" : "; ") + s.step_key + (s.message.empty() ? "" : ": " + s.message);
    std::string text = "pond: run " + run.run_id.substr(0, 8) + " (" + run.command +
                       (run.selection.empty() ? "" : " " + run.selection) + ", trigger " + run.trigger +
                       ") " + (run.status == "crashed" ? "crashed" : "failed") +
                       (failed.empty() ? "" : ": " + failed);
    if (text.size() > 3000) text = text.substr(0, 3000) + "...";
    send(store, "run_failure", "run:" + run.run_id, epoch_of(run.finished_at), text, out);
  }
  if (newest != *cursor) store.set_automation_cursor(kRunsCursor, newest);
}

void Notifier::checks_failed(runstore::RunStore& store, const runstore::RunRecord& run, std::ostream& out) {
  std::string failed;
  int count = 0;
  for (const auto& c : store.checks_of_run(run.run_id)) {
    if (c.status != "fail" && c.status != "error") continue;
    ++count;
    failed += (failed.empty() ? "" : "; ") + c.asset_key + " " + c.check_name + " " + c.status +
              (c.failures ? " (" + std::to_string(*c.failures) + " failing rows)" : "") +
              (c.message.empty() ? "" : ": " + c.message);
  }
  if (!count) return;
  std::string text = "pond: " + std::to_string(count) + " check(s) failed in run " + run.run_id.substr(0, 8) +
                     " (" + run.command + (run.selection.empty() ? "" : " " + run.selection) + ", " +
                     run.status + "): " + failed;
  if (text.size() > 3000) text = text.substr(0, 3000) + "...";
  send(store, "check_failure", "checks:" + run.run_id, epoch_of(run.finished_at), text, out);
}

void Notifier::late(orchestrate::Workspace& ws, std::size_t asset, const Lateness& l, std::ostream& out) {
  if (targets_.empty()) return;
  const auto& node = ws.graph().node(asset);
  send(ws.store(), "late", "late:" + node.key + "@" + std::to_string(l.late_since), l.late_since,
       "pond: asset " + node.name + " is late: " + l.reason, out);
}

}  // namespace pond::automation
