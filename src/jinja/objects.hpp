#pragma once
// Python objects templates can see besides the plain values: range objects and dict views.
#include <string>
#include <vector>

#include "jinja/value.hpp"

namespace pond::jinja {

// range(start, stop, step): prints as "range(0, 3)", iterates lazily only when asked.
class RangeObj final : public NativeObject {
 public:
  RangeObj(std::int64_t start, std::int64_t stop, std::int64_t step)
      : start_(start), stop_(stop), step_(step) {}
  std::int64_t size() const;
  Value get_item(const Value& key) const override;
  bool iterable() const override { return true; }
  std::vector<Value> iterate() const override;
  bool truthy() const override { return size() > 0; }
  std::string repr() const override;
  std::string type_name() const override { return "range"; }
  bool has_method(std::string_view n) const override { return n == "index" || n == "count"; }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override;

 private:
  std::int64_t start_, stop_, step_;
};

// dict.keys() / values() / items(): a snapshot that prints as dict_keys([...]) etc.
class DictViewObj final : public NativeObject {
 public:
  DictViewObj(std::string type, std::vector<Value> items)
      : type_(std::move(type)), items_(std::move(items)) {}
  bool iterable() const override { return true; }
  std::vector<Value> iterate() const override { return items_; }
  bool truthy() const override { return !items_.empty(); }
  std::string repr() const override;
  std::string type_name() const override { return type_; }
  void for_each_child(const std::function<void(const Value&)>& fn) const override {
    for (const auto& v : items_) fn(v);
  }
  void clear_children() override { items_.clear(); }

 private:
  std::string type_;
  std::vector<Value> items_;
};

}  // namespace pond::jinja
