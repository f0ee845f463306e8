#include "orchestrate/partitions.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/text.hpp"

namespace pond::orchestrate {

namespace {

using Type = PartitionsConfig::Type;

bool is_time(Type t) {
  return t != Type::kStatic && t != Type::kDynamic && t != Type::kMulti;
}

std::unique_ptr<TimeWindows> make_time(const PartitionsConfig& c) {
  TimeWindows::Spec s;
  switch (c.type) {
    case Type::kHourly:
      s.grain = TimeWindows::Grain::kHourly;
      break;
    case Type::kDaily:
      s.grain = TimeWindows::Grain::kDaily;
      break;
    case Type::kWeekly:
      s.grain = TimeWindows::Grain::kWeekly;
      break;
    case Type::kMonthly:
      s.grain = TimeWindows::Grain::kMonthly;
      break;
    default:
      s.grain = TimeWindows::Grain::kCron;
      break;
  }
  s.start = c.start;
  s.end = c.end;
  s.timezone = c.timezone;
  s.cron = c.cron;
  s.end_offset = c.end_offset;
  s.minute_offset = c.minute_offset;
  s.hour_offset = c.hour_offset;
  s.day_offset = c.day_offset;
  try {
    return std::make_unique<TimeWindows>(s);
  } catch (const std::invalid_argument& e) {
    throw UserError(c.where, "partitions '" + c.name + "': " + e.what());
  }
}

}  // namespace

PartitionsDefinition::PartitionsDefinition(
    const PartitionsConfig& config, const PondConfig& all,
    const std::map<std::string, std::vector<std::string>>& dynamic_keys)
    : name_(config.name), config_(config) {
  auto set_list = [&](const PartitionsConfig& c) {
    has_list_ = true;
    list_def_ = c.name;
    if (c.type == Type::kStatic) {
      list_keys_ = c.values;
    } else {
      dynamic_ = true;
      if (auto it = dynamic_keys.find(c.name); it != dynamic_keys.end()) list_keys_ = it->second;
    }
  };
  if (is_time(config.type)) {
    time_ = make_time(config);
  } else if (config.type == Type::kMulti) {
    for (const auto& [dim, def_name] : config.dimensions) {
      const PartitionsConfig* d = all.find_partitions(def_name);
      POND_ASSERT(d != nullptr, "multi partitions refer to a checked definition");
      if (is_time(d->type)) {
        time_ = make_time(*d);
        time_dim_ = dim;
      } else {
        set_list(*d);
        list_dim_ = dim;
      }
    }
    list_first_ = list_dim_ < time_dim_;
  } else {
    set_list(config);
  }
}

PartitionsDefinition::~PartitionsDefinition() = default;

PartitionSubset PartitionsDefinition::all(EpochSeconds now) const {
  IntervalSet span;
  if (time_) {
    std::int64_t n = time_->count(now);
    if (n > 0) span.add(time_->tick(0), time_->tick(n));
  } else {
    span.add(kUnit.start, kUnit.end);
  }
  PartitionSubset out;
  if (span.empty()) return out;
  if (!has_list_) {
    out[""] = span;
    return out;
  }
  for (const auto& k : list_keys_) out[k] = span;
  return out;
}

std::int64_t PartitionsDefinition::count_span(const Interval& span) const {
  if (!time_) return span.start < span.end ? 1 : 0;
  std::int64_t first = time_->index_at(span.start);
  if (time_->tick(first) < span.start) ++first;
  std::int64_t last = time_->index_at(span.end);  // windows before this one end by span.end
  return std::max<std::int64_t>(0, last - first);
}

std::int64_t PartitionsDefinition::count(const PartitionSubset& subset) const {
  std::int64_t n = 0;
  for (const auto& [k, set] : subset)
    for (const auto& i : set.parts()) n += count_span(i);
  return n;
}

std::string PartitionsDefinition::key(const std::string& list_key, std::int64_t time_index) const {
  if (!time_) return list_key;
  std::string t = time_->key(time_index);
  if (!has_list_) return t;
  return list_first_ ? list_key + "|" + t : t + "|" + list_key;
}

std::vector<std::string> PartitionsDefinition::keys(const PartitionScope& scope, std::size_t limit) const {
  std::vector<std::string> out;
  if (!time_) {
    out.push_back(scope.list_key);
    return out;
  }
  std::int64_t first = time_->index_at(scope.span.start);
  if (time_->tick(first) < scope.span.start) ++first;
  for (std::int64_t i = first; out.size() < limit && time_->tick(i + 1) <= scope.span.end; ++i)
    out.push_back(key(scope.list_key, i));
  return out;
}

void PartitionsDefinition::bad_key(std::string_view key, const std::string& why) const {
  std::string hint;
  if (has_list_ && !time_) {
    std::string guess = closest_match(key, list_keys_);
    hint = !guess.empty() ? "did you mean '" + guess + "'?"
           : dynamic_     ? "add it first: pond partitions add " + list_def_ + " " + std::string(key)
                          : "the keys are listed under partitions: " + name_ + " in pond.yml";
  } else if (time_) {
    hint = "keys of " + name_ + " look like '" + time_->key(0) + "'";
    if (has_list_) hint += " (with the list key: '" + key_example() + "')";
  }
  throw UserError("'" + std::string(key) + "' is not a partition of " + name_ + ": " + why, hint);
}

std::string PartitionsDefinition::key_example() const {
  return key(list_keys_.empty() ? std::string("KEY") : list_keys_.front(), 0);
}

PartitionScope PartitionsDefinition::parse_key(std::string_view text, EpochSeconds now) const {
  std::string_view time_part = text, list_part;
  if (time_ && has_list_) {
    auto bar = text.find('|');
    if (bar == std::string_view::npos) bad_key(text, "a key of two dimensions has the form A|B");
    std::string_view a = text.substr(0, bar), b = text.substr(bar + 1);
    time_part = list_first_ ? b : a;
    list_part = list_first_ ? a : b;
  } else if (has_list_) {
    list_part = text;
  }
  PartitionScope scope;
  if (has_list_) {
    if (std::find(list_keys_.begin(), list_keys_.end(), list_part) == list_keys_.end())
      bad_key(text, dynamic_ ? "no such key has been added" : "not one of its keys");
    scope.list_key = std::string(list_part);
  }
  if (time_) {
    std::int64_t i = time_index(time_part, text, now);
    scope.span = {time_->tick(i), time_->tick(i + 1)};
  }
  return scope;
}

std::int64_t PartitionsDefinition::time_index(std::string_view k, std::string_view shown,
                                              EpochSeconds now) const {
  auto i = time_->parse_key(k);
  if (!i) bad_key(shown, "not the start of one of its windows");
  if (*i < 0) bad_key(shown, "before its start (" + time_->key(0) + ")");
  if (time_->end_index() && *i >= *time_->end_index())
    bad_key(shown, "after its end (" + time_->spec().end + ")");
  if (*i >= time_->count(now)) bad_key(shown, "its window has not ended yet");
  return *i;
}

std::vector<PartitionScope> PartitionsDefinition::parse_range(std::string_view from, std::string_view to,
                                                              EpochSeconds now) const {
  if (!time_) {
    // A list: keys from..to in list order.
    auto a = std::find(list_keys_.begin(), list_keys_.end(), from);
    auto b = std::find(list_keys_.begin(), list_keys_.end(), to);
    if (a == list_keys_.end()) bad_key(from, "not one of its keys");
    if (b == list_keys_.end()) bad_key(to, "not one of its keys");
    if (a > b)
      throw UserError("--from " + std::string(from) + " comes after --to " + std::string(to) + " in " +
                      name_);
    std::vector<PartitionScope> out;
    for (auto it = a; it <= b; ++it) out.push_back({*it, kUnit});
    return out;
  }
  auto split_list = [&](std::string_view k, std::string& list) -> std::string_view {
    if (!has_list_) return k;
    auto bar = k.find('|');
    if (bar == std::string_view::npos) return k;
    list = std::string(list_first_ ? k.substr(0, bar) : k.substr(bar + 1));
    return list_first_ ? k.substr(bar + 1) : k.substr(0, bar);
  };
  std::string list_a, list_b;
  std::string_view ta = split_list(from, list_a), tb = split_list(to, list_b);
  if (list_a != list_b)
    throw UserError("--from and --to name different keys of " + list_dim_ + " (" + list_a + ", " + list_b +
                    ")");
  std::int64_t ia = time_index(ta, from, now), ib = time_index(tb, to, now);
  if (ia > ib) throw UserError("--from " + std::string(from) + " is after --to " + std::string(to));
  Interval span{time_->tick(ia), time_->tick(ib + 1)};
  std::vector<PartitionScope> out;
  if (!has_list_) {
    out.push_back({"", span});
  } else if (!list_a.empty()) {
    if (std::find(list_keys_.begin(), list_keys_.end(), list_a) == list_keys_.end())
      bad_key(list_a, "not one of the keys of " + list_dim_);
    out.push_back({list_a, span});
  } else {
    for (const auto& k : list_keys_) out.push_back({k, span});
  }
  return out;
}

std::vector<PartitionScope> PartitionsDefinition::latest(EpochSeconds now) const {
  std::vector<PartitionScope> out;
  Interval span = kUnit;
  if (time_) {
    std::int64_t n = time_->count(now);
    if (n <= 0) return out;
    span = {time_->tick(n - 1), time_->tick(n)};
  }
  if (!has_list_) {
    out.push_back({"", span});
  } else if (time_) {
    for (const auto& k : list_keys_) out.push_back({k, span});
  } else if (!list_keys_.empty()) {
    out.push_back({list_keys_.back(), span});
  }
  return out;
}

std::vector<PartitionScope> PartitionsDefinition::chunk(const PartitionScope& scope, std::int64_t n) const {
  std::vector<PartitionScope> out;
  if (!time_ || n <= 0) {
    out.push_back(scope);
    return out;
  }
  std::int64_t first = time_->index_at(scope.span.start);
  std::int64_t last = time_->index_at(scope.span.end);
  for (std::int64_t i = first; i < last; i += n)
    out.push_back({scope.list_key, {time_->tick(i), time_->tick(std::min(i + n, last))}});
  return out;
}

bool PartitionsDefinition::same_shape(const PartitionsDefinition& o) const {
  if (this == &o) return true;
  if ((time_ == nullptr) != (o.time_ == nullptr) || has_list_ != o.has_list_) return false;
  if (has_list_ && list_def_ != o.list_def_) return false;
  if (time_) {
    const auto& a = time_->spec();
    const auto& b = o.time_->spec();
    return a.grain == b.grain && a.cron == b.cron && a.timezone == b.timezone && a.start == b.start;
  }
  return true;
}

std::string describe_scope(const PartitionsDefinition& def, const PartitionScope& scope) {
  if (!def.time()) return scope.list_key;
  std::int64_t n = def.count_span(scope.span);
  auto keys = def.keys(scope, 1);
  if (keys.empty()) return "(no partition)";
  if (n <= 1) return keys.front();
  const TimeWindows& t = *def.time();
  std::int64_t last = t.index_at(scope.span.end) - 1;
  return keys.front() + "..." + def.key(scope.list_key, last);
}

PartitionSubset intersect(const PartitionSubset& a, const PartitionSubset& b) {
  PartitionSubset out;
  for (const auto& [k, set] : a)
    if (auto it = b.find(k); it != b.end()) {
      IntervalSet i = set.intersect(it->second);
      if (!i.empty()) out[k] = std::move(i);
    }
  return out;
}

}  // namespace pond::orchestrate
