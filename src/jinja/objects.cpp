#include "jinja/objects.hpp"

#include "jinja/error.hpp"

namespace pond::jinja {

std::int64_t RangeObj::size() const {
  if (step_ > 0) return stop_ > start_ ? (stop_ - start_ - 1) / step_ + 1 : 0;
  return start_ > stop_ ? (start_ - stop_ - 1) / -step_ + 1 : 0;
}

Value RangeObj::get_item(const Value& key) const {
  if (!key.is_int() && !key.is_bool()) return Value();
  std::int64_t i = key.as_int(), n = size();
  if (i < 0) i += n;
  if (i < 0 || i >= n) return Value::undefined("range object has no element " + key.repr());
  return Value(start_ + i * step_);
}

std::vector<Value> RangeObj::iterate() const {
  std::vector<Value> out;
  std::int64_t n = size();
  out.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out.emplace_back(start_ + i * step_);
  return out;
}

bool RangeObj::call_method(std::string_view name, CallArgs& args, Value& result) {
  if (!has_method(name)) return false;
  Value x = args.get(0, "value");
  std::int64_t n = size();
  bool in =
      (x.is_int() || x.is_bool()) && n > 0 && (x.as_int() - start_) % step_ == 0 &&
      (step_ > 0 ? x.as_int() >= start_ && x.as_int() < stop_ : x.as_int() <= start_ && x.as_int() > stop_);
  if (name == "count") {
    result = Value(std::int64_t{in ? 1 : 0});
    return true;
  }
  if (!in) throw TemplateError(ErrorKind::kValue, x.repr() + " is not in range");
  result = Value((x.as_int() - start_) / step_);
  return true;
}

std::string RangeObj::repr() const {
  std::string s = "range(" + std::to_string(start_) + ", " + std::to_string(stop_);
  if (step_ != 1) s += ", " + std::to_string(step_);
  return s + ")";
}

std::string DictViewObj::repr() const {
  std::string s = type_ + "(";
  Value::list(items_).append_repr(s);
  return s + ")";
}

}  // namespace pond::jinja
