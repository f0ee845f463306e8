#include "orchestrate/mapping.hpp"

#include <algorithm>

namespace pond::orchestrate {

namespace {

using T = MappingConfig::Type;

// Windows of `t` overlapping [s, e), widened by offsets (in windows of `t`).
Interval overlapping(const TimeWindows& t, const Interval& span, int start_offset, int end_offset) {
  std::int64_t a = t.index_at(span.start) + start_offset;
  std::int64_t b = t.index_at(span.end - 1) + 1 + end_offset;
  if (b <= a) return {t.tick(a), t.tick(a)};
  return {t.tick(a), t.tick(b)};
}

// The list keys on the other side of a mapping for `key` (same key, or every key).
std::vector<std::string> other_keys(const PartitionsDefinition* from, const PartitionsDefinition* to,
                                    const std::string& key) {
  if (!to || !to->has_list()) return {""};
  if (from && from->has_list()) return {key};
  return to->list_keys();
}

PartitionSubset whole(const PartitionsDefinition* def, EpochSeconds now) {
  if (!def) return {{"", IntervalSet(kUnit.start, kUnit.end)}};
  return def->all(now);
}

}  // namespace

PartitionSubset map_upstream(const MappingConfig& m, const PartitionsDefinition* up,
                             const PartitionsDefinition* down, const PartitionScope& scope,
                             EpochSeconds now) {
  PartitionSubset out;
  if (!up) return whole(up, now);
  switch (m.type) {
    case T::kAll:
    case T::kDefault:
      return whole(up, now);
    case T::kIdentity:
      out[scope.list_key].add(scope.span.start, scope.span.end);
      return out;
    case T::kLast:
      for (const auto& s : up->latest(now)) out[s.list_key].add(s.span.start, s.span.end);
      return out;
    case T::kTimeWindow: {
      Interval span = overlapping(*up->time(), scope.span, m.start_offset, m.end_offset);
      for (const auto& k : other_keys(down, up, scope.list_key)) out[k].add(span.start, span.end);
      return out;
    }
    case T::kStatic:
      for (const auto& [from, tos] : m.static_map)
        if (std::find(tos.begin(), tos.end(), scope.list_key) != tos.end())
          out[from].add(kUnit.start, kUnit.end);
      return out;
  }
  return out;
}

PartitionSubset map_downstream(const MappingConfig& m, const PartitionsDefinition* up,
                               const PartitionsDefinition* down, const PartitionScope& scope,
                               EpochSeconds now) {
  PartitionSubset out;
  if (!down) return whole(down, now);
  if (!up) return whole(down, now);
  switch (m.type) {
    case T::kAll:
    case T::kDefault:
    case T::kLast:
      return whole(down, now);
    case T::kIdentity:
      out[scope.list_key].add(scope.span.start, scope.span.end);
      return out;
    case T::kTimeWindow: {
      // Shift back by the offsets (in upstream windows), then the downstream windows overlapping.
      const TimeWindows& u = *up->time();
      Interval shifted{u.tick(u.index_at(scope.span.start) - m.end_offset),
                       u.tick(u.index_at(scope.span.end - 1) + 1 - m.start_offset)};
      if (shifted.end <= shifted.start) return out;
      Interval span = overlapping(*down->time(), shifted, 0, 0);
      for (const auto& k : other_keys(up, down, scope.list_key)) out[k].add(span.start, span.end);
      return out;
    }
    case T::kStatic:
      if (auto it = m.static_map.find(scope.list_key); it != m.static_map.end())
        for (const auto& k : it->second) out[k].add(kUnit.start, kUnit.end);
      return out;
  }
  return out;
}

}  // namespace pond::orchestrate
