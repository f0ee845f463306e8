#pragma once
// A per-render memo of a string transformation (`| lower`), keyed by the source string object.
// Templates lower the same few strings (column names) over and over; each call otherwise builds a
// fresh string. An entry holds its source value, so the key's address cannot be reused by another
// string while the memo lives; the memo lives for one render and is never shared between threads.
#include <bit>
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
      const Slot& e = slots_[i];
      if (e.key == key) return &entries_[e.index].result;
      if (!e.key) return nullptr;
    }
  }
  void put(const Value& source, const Value& result) {
    if (entries_.size() >= kMaxEntries) return;  // a render of many distinct strings: stop here
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    entries_.push_back(Entry{source, result});
    insert(source.heap().get(), static_cast<std::uint32_t>(entries_.size() - 1));
  }

 private:
  // The probe table holds only keys and entry numbers: growing it moves no values.
  struct Slot {
    const Object* key = nullptr;
    std::uint32_t index = 0;
  };
  struct Entry {
    Value source;  // keeps the key's object alive
    Value result;
  };
  static constexpr std::size_t kMaxEntries = 4096;

  std::size_t slot(const Object* key) const {
    // Fibonacci hashing: the high bits of the product mix every bit of the address (objects of one
    // size class differ in few low bits, which a mask alone would leave clustered).
    return static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(key) * 0x9E3779B97F4A7C15ull) >>
                                    shift_);
  }
  void insert(const Object* key, std::uint32_t index) {
    std::size_t i = slot(key);
    while (slots_[i].key) i = (i + 1) & mask_;
    slots_[i] = Slot{key, index};
  }
  void grow() {
    slots_.assign(slots_.empty() ? 128 : slots_.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    shift_ = 64 - std::countr_zero(slots_.size());
    if (entries_.capacity() == 0) entries_.reserve(32);
    for (std::uint32_t i = 0; i < entries_.size(); ++i) insert(entries_[i].source.heap().get(), i);
  }

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::size_t mask_ = 0;
  int shift_ = 63;
};

}  // namespace pond::jinja
