#pragma once
// Partitions definitions (pond.yml `partitions:`): time windows, static lists, dynamic lists
// (keys added with `pond partitions add`), and two dimensions (a time dimension and a list).
// A set of partitions is a PartitionSubset: per list key ("" when there is no list dimension)
// an interval set over the time dimension in epoch seconds, or [0, 1) when there is none. The
// run store keeps materializations in the same shape, so status is interval arithmetic.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrate/config.hpp"
#include "orchestrate/interval_set.hpp"
#include "orchestrate/time_windows.hpp"

namespace pond::orchestrate {

using PartitionSubset = std::map<std::string, IntervalSet>;

// The partitions in both subsets (keys with nothing in common are left out).
PartitionSubset intersect(const PartitionSubset& a, const PartitionSubset& b);

// The whole of an unpartitioned asset, and "this key" of a list dimension.
inline constexpr Interval kUnit{0, 1};

// One contiguous stretch of partitions: a list key (or "") and a time window [start, end) (or
// [0, 1)). A run materializes one scope.
struct PartitionScope {
  std::string list_key;
  Interval span = kUnit;
  bool operator==(const PartitionScope&) const = default;
};

class PartitionsDefinition {
 public:
  // `dynamic_keys`: the keys of dynamic definitions, from the run store (name -> keys in the
  // order they were added). Throws UserError at the definition's pond.yml location.
  PartitionsDefinition(const PartitionsConfig& config, const PondConfig& all,
                       const std::map<std::string, std::vector<std::string>>& dynamic_keys);
  ~PartitionsDefinition();

  const std::string& name() const { return name_; }
  const PartitionsConfig& config() const { return config_; }
  // The time dimension, or null.
  const TimeWindows* time() const { return time_.get(); }
  // Whether there is a list (static or dynamic) dimension; its keys.
  bool has_list() const { return has_list_; }
  const std::vector<std::string>& list_keys() const { return list_keys_; }
  bool dynamic() const { return dynamic_; }
  const std::string& time_dimension() const { return time_dim_; }
  const std::string& list_dimension() const { return list_dim_; }
  // The definition of the list dimension (for dynamic lists: where `pond partitions add` goes).
  const std::string& list_definition() const { return list_def_; }

  // Every partition that exists at `now`.
  PartitionSubset all(EpochSeconds now) const;
  // How many partitions a subset holds (time windows fully inside its intervals).
  std::int64_t count(const PartitionSubset& subset) const;
  std::int64_t count_span(const Interval& span) const;
  // The keys of a scope's partitions, first `limit` of them.
  std::vector<std::string> keys(const PartitionScope& scope, std::size_t limit) const;
  std::string key(const std::string& list_key, std::int64_t time_index) const;

  // A key ("2024-01-01", "eu", "2024-01-01|eu" for two dimensions, dimension keys in dimension
  // name order) as a scope of one partition. Throws UserError naming the definition's keys.
  // Keys of windows that have not ended yet (beyond end_offset) are not partitions yet.
  PartitionScope parse_key(std::string_view key, EpochSeconds now) const;
  // `--from A --to B` (inclusive keys of the time dimension; for two dimensions optionally
  // "A|eu"): scopes, one per list key. Throws UserError for keys outside the definition.
  std::vector<PartitionScope> parse_range(std::string_view from, std::string_view to, EpochSeconds now) const;
  // The last partition that exists at `now` (per list key), for `pond materialize` without
  // --partition. Empty when none exists yet.
  std::vector<PartitionScope> latest(EpochSeconds now) const;
  // Splits a scope into runs of `n` partitions (n <= 0: one run).
  std::vector<PartitionScope> chunk(const PartitionScope& scope, std::int64_t n) const;

  // Whether two definitions have the same shape (identity mapping allowed).
  bool same_shape(const PartitionsDefinition& other) const;

 private:
  [[noreturn]] void bad_key(std::string_view key, const std::string& why) const;
  std::string key_example() const;
  // The time index of a key's time part; throws for keys outside the windows that exist at `now`.
  std::int64_t time_index(std::string_view key, std::string_view shown, EpochSeconds now) const;
  std::string name_;
  PartitionsConfig config_;
  std::unique_ptr<TimeWindows> time_;
  bool has_list_ = false;
  bool dynamic_ = false;
  std::vector<std::string> list_keys_;
  std::string time_dim_, list_dim_, list_def_;
  bool list_first_ = false;  // multi keys: the list dimension's name sorts first
};

// A partition scope as text for messages and run records: "2024-01-01", "2024-01-01...2024-01-31",
// "eu", "2024-01-01|eu".
std::string describe_scope(const PartitionsDefinition& def, const PartitionScope& scope);

}  // namespace pond::orchestrate
