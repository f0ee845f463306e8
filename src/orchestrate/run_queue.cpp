#include "orchestrate/run_queue.hpp"

#include <chrono>
#include <ostream>
#include <thread>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "common/uuid.hpp"
#include "orchestrate/run_request.hpp"

namespace pond::orchestrate {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(100);
// A waiting process shows it is alive (a queued run whose process died is crashed, so that it
// does not hold a slot) and looks for runs whose process died.
constexpr auto kHeartbeatEvery = std::chrono::seconds(5);

// Sleeps `d`, waking early on a cancel request.
void nap(exec::Cancellation& cancel, std::chrono::milliseconds d) {
  for (auto until = Clock::now() + d; Clock::now() < until && !cancel.requested();)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::string why_waiting(const RunQueueConfig& c, std::size_t ahead) {
  std::string limits;
  if (c.max_concurrent_runs) limits = "max_concurrent_runs: " + std::to_string(*c.max_concurrent_runs);
  if (!c.tag_limits.empty()) limits += std::string(limits.empty() ? "" : ", ") + "tag_concurrency_limits";
  return std::to_string(ahead) + " queued ahead of it; pond.yml run_queue: " + limits;
}

}  // namespace

runstore::QueueLimits queue_limits(const RunQueueConfig& config) {
  runstore::QueueLimits l;
  l.max_concurrent_runs = config.max_concurrent_runs;
  for (const auto& t : config.tag_limits) l.tag_limits.push_back({t.key, t.value, t.limit});
  return l;
}

int priority_of(int flag, const std::map<std::string, std::string>& tags) {
  auto it = tags.find("pond/priority");
  if (flag != 0 || it == tags.end()) return flag;
  try {
    std::size_t used = 0;
    int p = std::stoi(it->second, &used);
    if (used == it->second.size()) return p;
  } catch (const std::exception&) {
  }
  throw UserError("tag pond/priority=" + it->second + " is not a whole number",
                  "e.g. --tag pond/priority=10");
}

bool wait_in_queue(Workspace& ws, const RunRequest& req, exec::Cancellation& cancel, std::ostream& out) {
  runstore::RunStore& store = ws.store();
  store.enqueue_run(request_record(ws, req), req.tags, false);
  const runstore::QueueLimits limits = queue_limits(ws.config().run_queue);
  auto mine = [&](const runstore::RunRecord& r) { return r.run_id == req.run_id; };
  bool told = false;
  auto last_beat = Clock::now();
  while (true) {
    if (cancel.requested() && store.cancel_queued_run(req.run_id)) {
      out << "Run " << req.run_id << " cancelled while queued\n";
      return false;
    }
    if (store.claim_queued_run(limits, mine)) return true;
    auto run = store.find_run(req.run_id);
    if (!run || run->status != "queued") {
      out << "Run " << req.run_id << " was " << (run ? run->status : "removed") << " while queued\n";
      return false;
    }
    if (!told) {
      std::size_t ahead = 0;
      for (const auto& q : store.queued_runs()) {
        if (q.run.run_id == req.run_id) break;
        ++ahead;
      }
      out << "Run " << req.run_id << " is queued (" << why_waiting(ws.config().run_queue, ahead)
          << "); waiting for a slot" << std::endl;
      told = true;
    }
    if (Clock::now() - last_beat >= kHeartbeatEvery) {
      store.heartbeat(req.run_id);
      store.mark_crashed_runs();
      last_beat = Clock::now();
    }
    nap(cancel, kPoll);
  }
}

std::string submit_run(Workspace& ws, RunRequest req) {
  if (req.run_id.empty()) req.run_id = random_uuid();
  ws.store().enqueue_run(request_record(ws, req), req.tags, true);
  return req.run_id;
}

std::optional<int> launch_next_queued_run(Workspace& ws, exec::Cancellation& cancel, std::ostream& out) {
  runstore::RunStore& store = ws.store();
  auto detached = [](const runstore::RunRecord& r) { return !r.pid.has_value(); };
  auto run = store.claim_queued_run(queue_limits(ws.config().run_queue), detached);
  if (!run) return std::nullopt;
  out << "Launching run " << run->run_id << " (" << run->selection << ")" << std::endl;
  RunRequest req;
  try {
    req = request_of(ws, *run);
  } catch (const UserError& e) {
    // The run cannot be made any more: it fails, the queue goes on.
    log::error("run {}: {}", run->run_id, e.what());
    store.finish_run(run->run_id, "error", iso_utc_now(), "{}");
    return 1;
  }
  req.run_id = run->run_id;
  req.claimed = true;
  return execute_run(ws, req, cancel, out).exit_code;
}

bool detached_runs_queued(runstore::RunStore& store) {
  for (const auto& q : store.queued_runs())
    if (!q.run.pid) return true;
  return false;
}

int launch_queued_runs(Workspace& ws, exec::Cancellation& cancel, std::ostream& out) {
  runstore::RunStore& store = ws.store();
  int worst = 0, launched = 0;
  auto last_beat = Clock::now() - kHeartbeatEvery;
  while (!cancel.requested()) {
    if (Clock::now() - last_beat >= kHeartbeatEvery) {
      store.mark_crashed_runs();
      last_beat = Clock::now();
    }
    std::optional<int> code = launch_next_queued_run(ws, cancel, out);
    if (!code) {
      if (!detached_runs_queued(store)) break;
      nap(cancel, kPoll);
      continue;
    }
    ++launched;
    worst = std::max(worst, *code);
    if (*code == 130) return 130;
  }
  if (cancel.requested()) return 130;
  out << (launched ? "Launched " + std::to_string(launched) + " queued run(s)" : "No queued run to launch")
      << "\n";
  return worst;
}

}  // namespace pond::orchestrate
