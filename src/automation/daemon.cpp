#include "automation/daemon.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <optional>
#include <ostream>
#include <thread>

#include "automation/automation_evaluator.hpp"
#include "automation/freshness.hpp"
#include "automation/notifier.hpp"
#include "automation/schedule_evaluator.hpp"
#include "automation/sensor_evaluator.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/uuid.hpp"
#include "orchestrate/run_queue.hpp"

namespace pond::automation {

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kLeaseBeat = std::chrono::seconds(5);
constexpr auto kCrashCheck = std::chrono::seconds(10);

EpochSeconds wall_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Holds the daemon lease for its lifetime; a thread with its own store connection renews it
// while the daemon's thread executes runs. Losing it (another daemon took over after a stall)
// stops the daemon.
class Lease {
 public:
  Lease(orchestrate::Workspace& ws, std::chrono::seconds stale, exec::Cancellation& cancel)
      : token_(random_uuid()), store_(ws.open_store()), cancel_(cancel) {
    if (auto holder = store_.acquire_daemon_lease(token_, stale))
      throw UserError("another pond daemon is running on this run store: pid " +
                          (holder->pid ? std::to_string(*holder->pid) : std::string("?")) + " on host " +
                          holder->host + " (since " + holder->started_at + ", last heartbeat " +
                          holder->heartbeat_at + ")",
                      "stop it first (SIGTERM); one daemon per run store");
    beat_ = std::thread([this] { renew(); });
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() {
    stop_ = true;
    beat_.join();
    try {
      store_.release_daemon_lease(token_);
    } catch (const std::exception& e) {
      log::warn("could not release the daemon lease: {}", e.what());
    }
  }
  bool lost() const { return lost_; }

 private:
  void renew() {
    auto last = SteadyClock::now();
    while (!stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (SteadyClock::now() - last < kLeaseBeat) continue;
      last = SteadyClock::now();
      try {
        if (!store_.renew_daemon_lease(token_)) {
          log::error("the daemon lease was taken over by another daemon; stopping");
          lost_ = true;
          cancel_.request();
          return;
        }
      } catch (const std::exception& e) {
        log::warn("could not renew the daemon lease: {}", e.what());
      }
    }
  }

  std::string token_;
  runstore::RunStore store_;
  exec::Cancellation& cancel_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> lost_{false};
  std::thread beat_;
};

// Sleeps until `until` (steady clock), waking early on a cancel request.
void nap_until(exec::Cancellation& cancel, SteadyClock::time_point until) {
  while (SteadyClock::now() < until && !cancel.requested())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// On the wall clock, queued runs are launched by a thread of their own (with its own workspace
// and store connection), so that a long run does not hold back the ticks.
class Launcher {
 public:
  Launcher(const dbt::GlobalOptions& options, exec::Cancellation& cancel, std::ostream& out,
           std::chrono::milliseconds poll)
      : thread_([this, options, &cancel, &out, poll] { run(options, cancel, out, poll); }) {}
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;
  ~Launcher() {
    stop_ = true;
    thread_.join();
  }
  // Rethrows what stopped the thread, if anything did.
  void check() {
    if (stop_ && error_) std::rethrow_exception(error_);
  }

 private:
  void run(const dbt::GlobalOptions& options, exec::Cancellation& cancel, std::ostream& out,
           std::chrono::milliseconds poll) {
    try {
      orchestrate::Workspace ws(options);
      while (!stop_ && !cancel.requested())
        if (!orchestrate::launch_next_queued_run(ws, cancel, out))
          nap_until(cancel, SteadyClock::now() + poll);
    } catch (...) {
      error_ = std::current_exception();
      stop_ = true;
      cancel.request();
    }
  }

  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace

int run_daemon(orchestrate::Workspace& ws, const DaemonOptions& o, exec::Cancellation& cancel,
               std::ostream& out) {
  const bool simulated = o.simulate_from.has_value();
  if (simulated != o.simulate_until.has_value())
    throw UserError("--simulate-from and --simulate-until go together",
                    "e.g. --simulate-from 2026-03-28 --simulate-until 2026-03-31");
  if (simulated && *o.simulate_until <= *o.simulate_from)
    throw UserError("--simulate-until must be after --simulate-from");
  check_sensors(ws);
  if (o.automation_interval.count() < 1) throw UserError("--automation-interval must be at least 1s");
  AutomationEvaluator automation(ws);
  FreshnessMonitor freshness(ws);
  Notifier notifier(ws);
  Lease lease(ws, o.lease_stale, cancel);
  runstore::RunStore& store = ws.store();
  // Runs a killed daemon left running are crashed (not run again: their ticks were recorded).
  store.mark_crashed_runs();
  const auto& schedules = ws.config().schedules;
  const auto& sensors = ws.config().sensors;
  // When each sensor was evaluated last (its `interval:` apart).
  std::map<std::string, EpochSeconds> evaluated;
  SensorMemory memory;
  auto interval_of = [](const orchestrate::SensorConfig& s) {
    return std::max<EpochSeconds>(1, std::chrono::duration_cast<std::chrono::seconds>(s.interval).count());
  };
  out << "pond daemon: " << schedules.size() << " schedule(s), " << sensors.size() << " sensor(s)"
      << (automation.empty() ? std::string() : ", declarative automation")
      << (freshness.empty() ? std::string() : ", freshness policies")
      << (simulated ? ", simulated from " + utc_minute_text(*o.simulate_from) + " until " +
                          utc_minute_text(*o.simulate_until)
                    : std::string())
      << std::endl;
  EpochSeconds sim_now = simulated ? *o.simulate_from : 0;
  std::optional<EpochSeconds> automated_at;  // the last evaluation of declarative automation
  const EpochSeconds automation_every = o.automation_interval.count();
  int worst = 0;
  std::optional<Launcher> launcher;
  if (!simulated) launcher.emplace(ws.options(), cancel, out, o.poll);
  auto last_crash_check = SteadyClock::now();
  while (!cancel.requested()) {
    const EpochSeconds now = simulated ? sim_now : wall_now();
    for (const auto& s : schedules) {
      if (cancel.requested()) break;
      evaluate_schedule(ws, s, now, out);
    }
    for (const auto& s : sensors) {
      if (cancel.requested()) break;
      auto last = evaluated.find(s.name);
      if (last != evaluated.end() && now - last->second < interval_of(s)) continue;
      evaluated[s.name] = now;
      evaluate_sensor(ws, s, now, out, &memory);
    }
    if ((!automation.empty() || !freshness.empty() || !notifier.empty()) && !cancel.requested()) {
      // At the interval, and at an on_cron tick (it fires on time, not up to an interval late).
      const auto tick = automated_at ? automation.next_cron_tick(*automated_at) : std::nullopt;
      if (!automated_at || now - *automated_at >= automation_every || (tick && *tick <= now)) {
        automated_at = now;
        automation.evaluate(ws, now, out);
        for (const auto& [asset, late] : freshness.evaluate(ws, now, out))
          notifier.late(ws, asset, late, out);
        notifier.run_failures(ws, out);
      }
    }
    // Simulated: launch what may start (the ticks' runs and anything else submitted), one at a
    // time, before time moves on.
    while (simulated && !cancel.requested()) {
      std::optional<int> code = orchestrate::launch_next_queued_run(ws, cancel, out);
      if (!code) break;
      if (*code != 130) worst = std::max(worst, *code);
    }
    if (cancel.requested()) break;
    if (SteadyClock::now() - last_crash_check >= kCrashCheck) {
      store.mark_crashed_runs();
      last_crash_check = SteadyClock::now();
    }
    if (simulated) {
      if (sim_now >= *o.simulate_until) break;
      EpochSeconds next = *o.simulate_until;
      for (const auto& s : schedules)
        if (auto t = next_schedule_tick(store, s, sim_now)) next = std::min(next, *t);
      for (const auto& s : sensors) next = std::min(next, evaluated[s.name] + interval_of(s));
      if (automated_at) {
        next = std::min(next, *automated_at + automation_every);
        if (auto t = automation.next_cron_tick(sim_now)) next = std::min(next, *t);
      }
      sim_now = std::max(next, sim_now + 1);
      continue;
    }
    // Wall clock: wake at the next tick, or after `poll` for the sensors and the launcher's errors.
    launcher->check();
    auto wake = SteadyClock::now() + o.poll;
    for (const auto& s : schedules)
      if (auto t = next_schedule_tick(store, s, now))
        wake = std::min(wake, SteadyClock::now() + std::chrono::seconds(std::max<EpochSeconds>(0, *t - now)));
    nap_until(cancel, wake);
  }
  if (launcher) {
    launcher->check();
    launcher.reset();  // waits for the run in progress to stop
  }
  if (lease.lost()) return 1;
  if (cancel.requested()) {
    out << "pond daemon: stopped" << std::endl;
    return 0;
  }
  out << "pond daemon: simulated window done" << std::endl;
  return worst;
}

}  // namespace pond::automation
