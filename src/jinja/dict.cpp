// The insertion-ordered dict behind template dicts (small ones scanned, larger ones indexed by a
// linear-probing table), the str hash it indexes with, and the container's cycle-breaking hooks.
#include <cstdint>
#include <cstring>

#include "jinja/value.hpp"

namespace pond::jinja {

namespace {
std::uint64_t load64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
std::uint64_t load32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
std::uint64_t mix64(std::uint64_t h) {
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  h ^= h >> 32;
  return h;
}
}  // namespace

// Word-at-a-time multiply-mix: a few instructions for a short key where std::hash (murmur, out of
// line) costs dozens. Tails are read as overlapping words, so every byte counts and none is read
// outside the string.
std::size_t str_hash(std::string_view s) {
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) h = mix64(h ^ load64(p + i));
    h ^= load64(p + n - 8);
  } else if (n >= 4) {
    h ^= load32(p) | (load32(p + n - 4) << 32);
  } else if (n > 0) {
    h ^= static_cast<std::uint64_t>(static_cast<unsigned char>(p[0])) |
         static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
         static_cast<std::uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16;
  }
  return static_cast<std::size_t>(mix64(h));
}

std::ptrdiff_t DictObj::index_of(const Value& key) const {
  if (key.is_str()) return index_of_str(key.as_str());  // compares text in place (same slots)
  if (index_.empty()) {
    for (std::size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].first == key) return static_cast<std::ptrdiff_t>(i);
    return -1;
  }
  std::size_t mask = index_.size() - 1;
  for (std::size_t slot = key.hash() & mask;; slot = (slot + 1) & mask) {
    std::int32_t e = index_[slot];
    if (e < 0) return -1;
    if (entries_[static_cast<std::size_t>(e)].first == key) return e;
  }
}

namespace {
// Equal bytes for n <= 16, the size of nearly every dict key a template names: compared a word at a
// time (overlapping words for the tail) with no call, so the lookup loop needs no stack frame.
inline bool same_short_bytes(const char* a, const char* b, std::size_t n) {
  if (n >= 8) return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
  if (n >= 4) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// Whether `k` is the str `key`.
inline bool same_text(const Value& k, std::string_view key) {
  if (!k.is_str()) return false;
  const std::string& s = k.as_str();
  if (s.size() != key.size()) return false;
  if (key.size() <= 16) return same_short_bytes(s.data(), key.data(), key.size());
  return std::memcmp(s.data(), key.data(), key.size()) == 0;
}
}  // namespace

std::ptrdiff_t DictObj::index_of_str(std::string_view key) const {
  if (!index_.empty() || key.size() > 16) [[unlikely]]
    return index_of_str_slow(key);
  for (std::size_t i = 0, n = entries_.size(); i < n; ++i) {
    const Value& k = entries_[i].first;
    if (k.is_str() && k.as_str().size() == key.size() &&
        same_short_bytes(k.as_str().data(), key.data(), key.size()))
      return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

std::ptrdiff_t DictObj::index_of_str_slow(std::string_view key) const {
  if (index_.empty()) {
    for (std::size_t i = 0, n = entries_.size(); i < n; ++i)
      if (same_text(entries_[i].first, key)) return static_cast<std::ptrdiff_t>(i);
    return -1;
  }
  std::size_t mask = index_.size() - 1;
  for (std::size_t slot = str_hash(key) & mask;; slot = (slot + 1) & mask) {
    std::int32_t e = index_[slot];
    if (e < 0) return -1;
    if (same_text(entries_[static_cast<std::size_t>(e)].first, key)) return e;
  }
}

void DictObj::rebuild_index() {
  if (entries_.size() < 12) {
    index_.clear();
    return;
  }
  std::size_t cap = 32;
  while (cap < entries_.size() * 2) cap *= 2;
  index_.assign(cap, -1);
  std::size_t mask = cap - 1;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    std::size_t slot = entries_[i].first.hash() & mask;
    while (index_[slot] >= 0) slot = (slot + 1) & mask;
    index_[slot] = static_cast<std::int32_t>(i);
  }
}

void DictObj::set(Value key, Value value) {
  auto i = index_of(key);
  if (i >= 0) {
    entries_[static_cast<std::size_t>(i)].second = std::move(value);
    return;
  }
  // Dicts that grow (namespaces, `d.update` in a loop) skip the 1-2-4 reallocations.
  if (entries_.capacity() == 0) entries_.reserve(4);
  entries_.emplace_back(std::move(key), std::move(value));
  if (index_.empty()) {
    if (entries_.size() >= 12) rebuild_index();
    return;
  }
  if (entries_.size() * 2 > index_.size()) {
    rebuild_index();
    return;
  }
  std::size_t mask = index_.size() - 1;
  std::size_t slot = entries_.back().first.hash() & mask;
  while (index_[slot] >= 0) slot = (slot + 1) & mask;
  index_[slot] = static_cast<std::int32_t>(entries_.size() - 1);
}

bool DictObj::erase(const Value& key) {
  auto i = index_of(key);
  if (i < 0) return false;
  entries_.erase(entries_.begin() + i);
  rebuild_index();
  return true;
}

void DictObj::clear() {
  entries_.clear();
  index_.clear();
}

void ListObj::for_each_child(const std::function<void(const Value&)>& fn) const {
  for (const auto& v : items) fn(v);
}
void ListObj::clear_children() {
  std::vector<Value>().swap(items);
}

void DictObj::for_each_child(const std::function<void(const Value&)>& fn) const {
  for (const auto& [k, v] : entries_) {
    fn(k);
    fn(v);
  }
}

}  // namespace pond::jinja
