#pragma once
// Notifications (pond.yml `notify:`): the daemon POSTs a Slack-compatible JSON body
// ({"text": "..."}) to each target's webhook when a run fails (error or crashed), when asset
// checks of a finished run fail, and when an asset becomes late by its freshness policy. A failed POST
// (transport error or HTTP status
// >= 300) is retried with a doubling backoff; each notification's outcome (`sent`, `failed`
// with why) is a row of `automation_ticks` (source "notify:NAME:run:ID" or
// "notify:NAME:late:ASSET"), so that a restarted daemon does not send it again. The URL comes
// from the environment variable the target names and is never printed or logged.
#include <iosfwd>
#include <string>
#include <vector>

#include "automation/freshness.hpp"
#include "orchestrate/config.hpp"
#include "orchestrate/workspace.hpp"

namespace pond::automation {

class Notifier {
 public:
  // Throws UserError (at the pond.yml line) when a target's environment variable is not set.
  explicit Notifier(const orchestrate::Workspace& ws);
  bool empty() const { return targets_.empty(); }
  // Notifies the runs that failed, and the failed checks of runs, finished since the last call
  // (the first call only starts watching).
  void run_failures(orchestrate::Workspace& ws, std::ostream& out);
  // Notifies that `asset` became late.
  void late(orchestrate::Workspace& ws, std::size_t asset, const Lateness& lateness, std::ostream& out);

 private:
  struct Target {
    const orchestrate::NotifyConfig* config;
    std::string url;
  };
  // Sends `text` to every target that wants `event`, unless `key` was notified already.
  void send(runstore::RunStore& store, const std::string& event, const std::string& key, EpochSeconds at,
            const std::string& text, std::ostream& out);
  // One notification per run with failed asset checks (fail or error), listing them.
  void checks_failed(runstore::RunStore& store, const runstore::RunRecord& run, std::ostream& out);
  std::vector<Target> targets_;
};

}  // namespace pond::automation
