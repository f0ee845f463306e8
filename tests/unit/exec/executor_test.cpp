#include "exec/executor.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "engine/connection.hpp"
#include "engine/database.hpp"
#include "support/temp_dir.hpp"

namespace pond::exec {

namespace {

// A step that runs SQL on its pool connection and records when it ran.
class SqlStep : public Step {
 public:
  SqlStep(std::string id, std::vector<std::string> deps, std::string sql, std::vector<std::string>* order,
          std::mutex* m)
      : sql_(std::move(sql)), order_(order), mutex_(m) {
    info_.id = std::move(id);
    info_.depends_on = std::move(deps);
    info_.kind = "model";
    info_.description = "sql table model main." + info_.id;
  }
  const StepInfo& info() const override { return info_; }
  StepOutcome run(StepContext& ctx) override {
    {
      std::lock_guard lock(*mutex_);
      order_->push_back(info_.id);
    }
    StepOutcome o;
    o.rows = ctx.connection().query(sql_).rows_changed();
    o.message = "OK";
    return o;
  }

 private:
  StepInfo info_;
  std::string sql_;
  std::vector<std::string>* order_;
  std::mutex* mutex_;
};

struct Dag {
  std::vector<std::unique_ptr<SqlStep>> owned;
  std::vector<std::string> order;
  std::mutex m;
  void add(const std::string& id, std::vector<std::string> deps, const std::string& sql = "select 1") {
    owned.push_back(std::make_unique<SqlStep>(id, std::move(deps), sql, &order, &m));
  }
  std::vector<Step*> steps() {
    std::vector<Step*> out;
    for (auto& s : owned) out.push_back(s.get());
    return out;
  }
};

const StepResult& result_of(const RunOutcome& o, const std::string& id) {
  for (const auto& r : o.results)
    if (r.info->id == id) return r;
  throw std::runtime_error("no result for " + id);
}

std::size_t position(const std::vector<std::string>& order, const std::string& id) {
  return std::find(order.begin(), order.end(), id) - order.begin();
}

}  // namespace

TEST(Executor, RunsInDependencyOrder) {
  engine::Database db = engine::Database::open(":memory:");
  for (int threads : {1, 2}) {
    Dag dag;
    dag.add("c", {"a", "b"});
    dag.add("a", {});
    dag.add("b", {"a"});
    dag.add("d", {"c", "not_selected"});
    Executor ex(&db, {threads, false});
    RunOutcome out = ex.run(dag.steps());
    ASSERT_EQ(dag.order.size(), 4u);
    EXPECT_LT(position(dag.order, "a"), position(dag.order, "b"));
    EXPECT_LT(position(dag.order, "b"), position(dag.order, "c"));
    EXPECT_LT(position(dag.order, "c"), position(dag.order, "d"));
    EXPECT_TRUE(out.success());
    EXPECT_EQ(result_of(out, "a").index, 1);
  }
}

TEST(Executor, FailureSkipsDescendantsAndOtherBranchesContinue) {
  engine::Database db = engine::Database::open(":memory:");
  Dag dag;
  dag.add("bad", {}, "select * from no_such_table");
  dag.add("child", {"bad"});
  dag.add("grandchild", {"child", "ok"});
  dag.add("ok", {});
  dag.add("ok_child", {"ok"});
  Executor ex(&db, {2, false});
  RunOutcome out = ex.run(dag.steps());
  EXPECT_FALSE(out.success());
  EXPECT_EQ(result_of(out, "bad").outcome.status, Status::kError);
  EXPECT_NE(result_of(out, "bad").outcome.message.find("no_such_table"), std::string::npos);
  EXPECT_EQ(result_of(out, "child").outcome.status, Status::kSkipped);
  EXPECT_EQ(result_of(out, "grandchild").outcome.status, Status::kSkipped);
  EXPECT_EQ(result_of(out, "ok_child").outcome.status, Status::kSuccess);
  EXPECT_EQ(out.results.size(), 5u);
  EXPECT_EQ(position(dag.order, "child"), dag.order.size());  // never ran
}

TEST(Executor, FailFastStopsTheRun) {
  engine::Database db = engine::Database::open(":memory:");
  Dag dag;
  dag.add("bad", {}, "select error('boom')");
  for (int i = 0; i < 6; ++i) dag.add("after" + std::to_string(i), {}, "select 1");
  Executor ex(&db, {1, true});
  RunOutcome out = ex.run(dag.steps());
  EXPECT_TRUE(out.fail_fast_triggered);
  EXPECT_EQ(dag.order.size(), 1u);
  EXPECT_EQ(result_of(out, "after5").outcome.status, Status::kSkipped);
}

TEST(Executor, CancelInterruptsRunningStepsAndStartsNoNewOnes) {
  engine::Database db = engine::Database::open(":memory:");
  Dag dag;
  dag.add("slow", {}, "select count(*) from range(10000000000)");
  dag.add("after", {"slow"});
  dag.add("other", {}, "select count(*) from range(10000000000)");
  Executor ex(&db, {2, false});
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ex.cancel();
  });
  auto t0 = std::chrono::steady_clock::now();
  RunOutcome out = ex.run(dag.steps());
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_TRUE(out.cancelled);
  EXPECT_EQ(result_of(out, "slow").outcome.status, Status::kError);
  EXPECT_NE(result_of(out, "slow").outcome.message.find("cancelled"), std::string::npos);
  EXPECT_EQ(result_of(out, "after").outcome.status, Status::kSkipped);
}

TEST(Executor, RejectsCycles) {
  engine::Database db = engine::Database::open(":memory:");
  Dag dag;
  dag.add("a", {"b"});
  dag.add("b", {"a"});
  Executor ex(&db, {1, false});
  EXPECT_THROW(ex.run(dag.steps()), std::invalid_argument);
}

}  // namespace pond::exec
