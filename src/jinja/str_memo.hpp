#pragma once
// A per-render memo of a string transformation (`| lower`), keyed by the source string object.
// Templates lower the same few strings (column names) over and over; each call otherwise builds a
// fresh string. An entry holds its source value, so the key's address cannot be reused by another
// string while the memo lives; the memo lives for one render and is never shared between threads.
#include <cstdint>
#include <vector>

#include "jinja/value.hpp"

namespace pond::jinja {

class StrMemo {
 public:
  // The memoized result for the str value `source` (not Markup), or nullptr.
  const Value* find(const Value& source) const {
    if (slots_.empty()) return nullptr;
    const Object* key = source.heap().get();
    for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
      const Entry& e = slots_[i];
      if (e.key == key) return &e.result;
      if (!e.key) return nullptr;
    }
  }
  void put(const Value& source, const Value& result) {
    if (used_ >= kMaxEntries) return;  // a render lowering many distinct strings: stop memoizing
    if ((used_ + 1) * 2 > slots_.size()) grow();
    insert(Entry{source.heap().get(), source, result});
  }

 private:
  struct Entry {
    const Object* key = nullptr;
    Value source;  // keeps `key` alive
    Value result;
  };
  static constexpr std::size_t kMaxEntries = 4096;

  std::size_t slot(const Object* key) const {
    auto h = reinterpret_cast<std::uintptr_t>(key);
    return static_cast<std::size_t>((h >> 4) ^ (h >> 12)) & mask_;
  }
  void insert(Entry e) {
    std::size_t i = slot(e.key);
    while (slots_[i].key) i = (i + 1) & mask_;
    slots_[i] = std::move(e);
    ++used_;
  }
  void grow() {
    std::vector<Entry> old = std::move(slots_);
    slots_ = std::vector<Entry>(old.empty() ? 32 : old.size() * 2);
    mask_ = slots_.size() - 1;
    used_ = 0;
    for (auto& e : old)
      if (e.key) insert(std::move(e));
  }

  std::vector<Entry> slots_;
  std::size_t mask_ = 0;
  std::size_t used_ = 0;
};

}  // namespace pond::jinja
