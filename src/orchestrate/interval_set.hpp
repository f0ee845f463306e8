#pragma once
// Sets of half-open integer intervals, kept sorted and merged: how pond holds sets of
// partitions (epoch-second windows of a time dimension, or [0, 1) for "this key"), so that a set
// of 100,000 partitions materialized in a few runs is a few intervals, never 100,000 objects.
#include <cstdint>
#include <vector>

namespace pond::orchestrate {

struct Interval {
  std::int64_t start = 0;
  std::int64_t end = 0;  // exclusive
  bool operator==(const Interval&) const = default;
};

class IntervalSet {
 public:
  IntervalSet() = default;
  IntervalSet(std::int64_t start, std::int64_t end) { add(start, end); }

  void add(std::int64_t start, std::int64_t end);
  void add(const IntervalSet& other);
  void subtract(const IntervalSet& other);
  IntervalSet intersect(const IntervalSet& other) const;
  bool contains(std::int64_t start, std::int64_t end) const;  // all of [start, end)
  bool overlaps(std::int64_t start, std::int64_t end) const;
  bool empty() const { return parts_.empty(); }
  const std::vector<Interval>& parts() const { return parts_; }
  bool operator==(const IntervalSet&) const = default;

 private:
  std::vector<Interval> parts_;
};

}  // namespace pond::orchestrate
