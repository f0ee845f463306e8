// The lake under everyday abuse, bounded in time (issue 14's soak): random builds of a project
// that keeps changing (models added, removed, renamed, turned into views and back, seed rows
// changing), builds killed with SIGKILL at random moments, two writers at once, and readers
// throughout. Afterwards `pond lake doctor` finds nothing, every reader answer was a complete
// snapshot, and the lake stays within its keep policy. Prints its figures.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "e2e/lake_project.hpp"

namespace pond::test {

namespace {

constexpr auto kBudget = std::chrono::seconds(75);

struct Figures {
  int builds = 0, killed = 0, concurrent = 0, changes = 0, failed_builds = 0;
  std::atomic<int> reads{0}, read_errors{0}, torn_reads{0};
};

}  // namespace

TEST_F(PondTest, LakeSoak) {
  auto root = init_lake_project();
  std::string profile = read_file(root / "profiles.yml");
  write_file(root / "profiles.yml", profile + "        keep: {snapshots: 2s, min: 5}\n");
  // The reader's invariant: this table always has exactly 1000 rows summing to 499500; any other
  // answer is a torn read (half a replace, or a missing table).
  write_file(root / "models" / "invariant.sql",
             "{{ config(materialized='table') }}\nselect i from range(1000) t(i)\n");
  ProcessResult r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  Figures f;
  std::atomic<bool> stop{false};
  std::string last_bad;
  std::thread reader([&] {
    while (!stop) {
      ProcessResult q = run_pond(
          {"show", "--inline", "select count(*) || ':' || sum(i) from main.invariant", "-o", "csv"}, root);
      ++f.reads;
      if (q.exit_code != 0) {
        ++f.read_errors;
        last_bad = q.err;
      } else if (!contains(q.out, "1000:499500")) {
        ++f.torn_reads;
        last_bad = q.out;
      }
    }
  });

  std::mt19937 rng(14);  // fixed: a failure can be replayed
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::vector<std::string> extra;  // models the soak added
  int next_model = 0;
  auto deadline = std::chrono::steady_clock::now() + kBudget;
  while (std::chrono::steady_clock::now() < deadline) {
    // Change the project.
    int change = pick(5);
    auto models = root / "models";
    if (change == 0 || extra.empty()) {
      std::string name = "soak_" + std::to_string(next_model++);
      write_file(models / (name + ".sql"), "{{ config(materialized='" +
                                               std::string(pick(2) ? "view" : "table") +
                                               "') }}\nselect * from {{ ref('orders') }}\n");
      extra.push_back(name);
    } else if (change == 1) {
      std::size_t k = static_cast<std::size_t>(pick(static_cast<int>(extra.size())));
      std::filesystem::remove(models / (extra[k] + ".sql"));
      extra.erase(extra.begin() + static_cast<std::ptrdiff_t>(k));
    } else if (change == 2) {
      std::size_t k = static_cast<std::size_t>(pick(static_cast<int>(extra.size())));
      std::string renamed = "soak_" + std::to_string(next_model++);
      std::filesystem::rename(models / (extra[k] + ".sql"), models / (renamed + ".sql"));
      extra[k] = renamed;
    } else if (change == 3) {
      std::size_t k = static_cast<std::size_t>(pick(static_cast<int>(extra.size())));
      std::string sql = read_file(models / (extra[k] + ".sql"));
      bool view = contains(sql, "'view'");
      write_file(models / (extra[k] + ".sql"), "{{ config(materialized='" +
                                                   std::string(view ? "table" : "view") +
                                                   "') }}\nselect * from {{ ref('orders') }}\n");
    } else {
      std::string csv = read_file(root / "seeds" / "raw_payments.csv");
      write_file(
          root / "seeds" / "raw_payments.csv",
          csv + std::to_string(1000 + f.changes) + ",1,credit_card," + std::to_string(pick(5000)) + "\n");
    }
    ++f.changes;
    // Build: plain, killed at a random moment, or two at once.
    int how = pick(4);
    if (how == 0) {
      ProcessOptions o;
      o.signal = 9;
      o.signal_after = std::chrono::milliseconds(200 + pick(1500));
      ProcessResult k = run_pond({"build"}, root, o);
      ++f.killed;
      ++f.builds;
      (void)k;
    } else if (how == 1) {
      ProcessResult a;
      std::thread other([&] { a = run_pond({"build"}, root); });
      ProcessResult b = run_pond({"build"}, root);
      other.join();
      f.builds += 2;
      ++f.concurrent;
      // Two builds of the same project may both be right or one may fail a test that reads
      // a table the other is replacing; neither may see a commit conflict.
      EXPECT_FALSE(contains(a.out + b.out, "commit conflict")) << a.out << b.out;
    } else {
      ProcessResult b = run_pond({"build"}, root);
      ++f.builds;
      if (b.exit_code != 0) {
        ++f.failed_builds;
        ADD_FAILURE() << "a plain build failed:\n" << b.out << b.err;
      }
    }
  }
  stop = true;
  reader.join();

  // A last build settles the project; the policy runs after it.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  r = run_pond({"build"}, root);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run_pond({"lake", "doctor", "--repair", "--min-age", "0"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run_pond({"lake", "doctor", "--min-age", "0"}, root);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "no problems found")) << r.out;

  std::size_t snapshots = snapshot_count(root);
  std::size_t files = 0, bytes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root / "lake" / "data"))
    if (e.is_regular_file()) {
      ++files;
      bytes += e.file_size();
    }
  std::size_t live = std::stoul(catalog_value(
      root,
      "SELECT (SELECT count(*) FROM ducklake_data_file) + (SELECT count(*) FROM ducklake_delete_file)"));
  std::printf(
      "lake soak: %d project changes, %d builds (%d killed with SIGKILL, %d pairs at once), %d reads (%d "
      "errors, %d torn), final lake: %zu snapshots, %zu files, %zu bytes\n",
      f.changes, f.builds, f.killed, f.concurrent, f.reads.load(), f.read_errors.load(), f.torn_reads.load(),
      snapshots, files, bytes);
  EXPECT_EQ(f.read_errors.load(), 0) << last_bad;
  EXPECT_EQ(f.torn_reads.load(), 0) << last_bad;
  EXPECT_GT(f.reads.load(), 0);
  // Within the policy: the snapshots of the last build (it commits fewer than 30) plus the
  // newest 5, and no file the catalog does not reference.
  EXPECT_LT(snapshots, 35u);
  EXPECT_EQ(files, live);
}

}  // namespace pond::test
