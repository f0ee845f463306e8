#include "orchestrate/asset_step.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "engine/error.hpp"

namespace pond::orchestrate {

std::chrono::milliseconds retry_delay(const RetryPolicy& p, int n) {
  double factor = 1;
  int k = std::max(1, n - 1);  // retries so far, counting this one
  if (p.backoff == RetryPolicy::Backoff::kLinear) factor = k;
  if (p.backoff == RetryPolicy::Backoff::kExponential)
    factor = static_cast<double>(1LL << std::min(k - 1, 30));
  double ms = static_cast<double>(p.delay.count()) * factor;
  if (p.jitter) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    ms *= std::uniform_real_distribution<double>(0.5, 1.5)(rng);
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

AssetStep::AssetStep(exec::Step& inner, std::vector<std::string> extra_depends_on, const AssetNode* asset,
                     const std::map<std::string, const AssetNode*>& assets, RunContext& run)
    : inner_(inner), asset_(asset), assets_(assets), run_(run), info_(inner.info()) {
  info_.depends_on.insert(info_.depends_on.end(), extra_depends_on.begin(), extra_depends_on.end());
  if (asset_ && !asset_->pool.empty()) info_.pool = asset_->pool;
}

exec::StepOutcome AssetStep::attempt(exec::StepContext& ctx) {
  try {
    return inner_.run(ctx);
  } catch (const engine::EngineError& e) {
    exec::StepOutcome o;
    o.status = exec::Status::kError;
    o.message = e.interrupted() ? "cancelled (interrupted)" : e.what();
    return o;
  } catch (const std::exception& e) {
    exec::StepOutcome o;
    o.status = exec::Status::kError;
    o.message = e.what();
    return o;
  }
}

namespace {

// A slot of the step's pool held across runs (the executor's pool limit counts the steps of one
// run): waits until one is free; released when the step ends, however it ends.
class PoolSlot {
 public:
  PoolSlot(RunContext& run, const std::string& pool, const std::string& step, exec::StepContext& ctx)
      : run_(run), step_(step) {
    auto limit = run.pool_limits.find(pool);
    if (pool.empty() || limit == run.pool_limits.end() || !run.open_store) return;
    store_.emplace(run.open_store());
    auto last_look = std::chrono::steady_clock::now();
    while (!ctx.cancelled() && !store_->claim_pool_slot(pool, limit->second, run.run_id, step)) {
      if (std::chrono::steady_clock::now() - last_look > std::chrono::seconds(5)) {
        store_->mark_crashed_runs();  // a crashed run's slots are freed by the next claim
        last_look = std::chrono::steady_clock::now();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~PoolSlot() {
    try {
      if (store_) store_->release_pool_slot(run_.run_id, step_);
    } catch (const std::exception&) {  // freed by the next claim once the run is over
    }
  }
  PoolSlot(const PoolSlot&) = delete;
  PoolSlot& operator=(const PoolSlot&) = delete;

 private:
  RunContext& run_;
  std::string step_;
  std::optional<runstore::RunStore> store_;
};

}  // namespace

exec::StepOutcome AssetStep::run(exec::StepContext& ctx) {
  PoolSlot slot(run_, info_.pool, info_.id, ctx);
  if (ctx.cancelled()) {
    exec::StepOutcome o;
    o.status = exec::Status::kSkipped;
    o.message = "cancelled while waiting for a slot of pool " + info_.pool;
    return o;
  }
  exec::StepOutcome out = attempt(ctx);
  const RetryPolicy* policy = asset_ && asset_->retry ? &*asset_->retry : nullptr;
  for (int n = 2; policy && out.status == exec::Status::kError && n <= policy->max + 1 && !ctx.cancelled();
       ++n) {
    auto delay = retry_delay(*policy, n);
    if (run_.event) {
      nlohmann::json payload{{"attempt", n - 1}, {"of", policy->max + 1}, {"delay_ms", delay.count()}};
      run_.event({0, run_.run_id, info_.id, "", "warn", "retry",
                  fmt::format("attempt {} of {} failed; retrying in {:.3g}s: {}", n - 1, policy->max + 1,
                              static_cast<double>(delay.count()) / 1000.0,
                              out.message.substr(0, out.message.find('\n'))),
                  payload.dump()});
    }
    auto until = std::chrono::steady_clock::now() + delay;
    while (!ctx.cancelled() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
    if (ctx.cancelled()) break;
    out = attempt(ctx);
    if (out.status != exec::Status::kError)
      out.message += fmt::format(" (attempt {} of {})", n, policy->max + 1);
  }
  // What the part reported, with the run's partitions and the code it was made from.
  for (auto& m : out.materializations) {
    auto it = assets_.find(m.asset_key);
    if (it == assets_.end()) continue;
    const AssetNode& a = *it->second;
    if (auto scope = scope_of(run_, a.partitions)) m.partition_key = describe_scope(*a.partitions, *scope);
    nlohmann::json meta =
        nlohmann::json::parse(m.metadata_json.empty() ? "{}" : m.metadata_json, nullptr, false);
    if (!meta.is_object()) meta = nlohmann::json::object();
    meta["code_version"] = a.code_version;
    m.metadata_json = meta.dump();
  }
  return out;
}

}  // namespace pond::orchestrate
