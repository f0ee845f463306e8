#include "orchestrate/interval_set.hpp"

#include <algorithm>

namespace pond::orchestrate {

void IntervalSet::add(std::int64_t start, std::int64_t end) {
  if (start >= end) return;
  // First interval that ends at or after `start` (touching intervals merge).
  auto it = std::lower_bound(parts_.begin(), parts_.end(), start,
                             [](const Interval& i, std::int64_t s) { return i.end < s; });
  auto last = it;
  while (last != parts_.end() && last->start <= end) {
    start = std::min(start, last->start);
    end = std::max(end, last->end);
    ++last;
  }
  it = parts_.erase(it, last);
  parts_.insert(it, Interval{start, end});
}

void IntervalSet::add(const IntervalSet& other) {
  for (const auto& i : other.parts_) add(i.start, i.end);
}

void IntervalSet::subtract(const IntervalSet& other) {
  if (parts_.empty() || other.parts_.empty()) return;
  std::vector<Interval> out;
  std::size_t k = 0;
  for (Interval cur : parts_) {
    while (k < other.parts_.size() && other.parts_[k].end <= cur.start) ++k;
    std::size_t j = k;
    while (j < other.parts_.size() && other.parts_[j].start < cur.end) {
      const Interval& cut = other.parts_[j];
      if (cut.start > cur.start) out.push_back({cur.start, cut.start});
      cur.start = std::max(cur.start, cut.end);
      if (cur.start >= cur.end) break;
      ++j;
    }
    if (cur.start < cur.end) out.push_back(cur);
  }
  parts_ = std::move(out);
}

IntervalSet IntervalSet::intersect(const IntervalSet& other) const {
  IntervalSet out;
  std::size_t a = 0, b = 0;
  while (a < parts_.size() && b < other.parts_.size()) {
    std::int64_t s = std::max(parts_[a].start, other.parts_[b].start);
    std::int64_t e = std::min(parts_[a].end, other.parts_[b].end);
    if (s < e) out.parts_.push_back({s, e});
    if (parts_[a].end < other.parts_[b].end)
      ++a;
    else
      ++b;
  }
  return out;
}

bool IntervalSet::contains(std::int64_t start, std::int64_t end) const {
  if (start >= end) return true;
  auto it = std::upper_bound(parts_.begin(), parts_.end(), start,
                             [](std::int64_t s, const Interval& i) { return s < i.start; });
  if (it == parts_.begin()) return false;
  --it;
  return it->start <= start && it->end >= end;
}

bool IntervalSet::overlaps(std::int64_t start, std::int64_t end) const {
  auto it = std::lower_bound(parts_.begin(), parts_.end(), start,
                             [](const Interval& i, std::int64_t s) { return i.end <= s; });
  return it != parts_.end() && it->start < end;
}

}  // namespace pond::orchestrate
