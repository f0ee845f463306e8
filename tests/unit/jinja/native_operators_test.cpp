// Native objects that implement operators and ordering (the hook modules.datetime uses).
#include <gtest/gtest.h>

#include "jinja/environment.hpp"
#include "jinja/error.hpp"

namespace pond::jinja {
namespace {

// A count of days: days + int, int + days, days - days, days * int, ordered among themselves.
class Days final : public NativeObject {
 public:
  explicit Days(std::int64_t n) : n_(n) {}
  static Value of(std::int64_t n) { return Value::object(std::make_shared<Days>(n)); }
  bool arithmetic(char op, const Value& other, bool self_on_left, Value& result) const override {
    if (other.is_int() && (op == '+' || (op == '-' && self_on_left) || op == '*')) {
      std::int64_t o = other.as_int();
      result = of(op == '+' ? n_ + o : op == '-' ? n_ - o : n_ * o);
      return true;
    }
    const auto* d = other.is_object() ? dynamic_cast<const Days*>(other.as_object()) : nullptr;
    if (d && op == '-') {
      result = Value(self_on_left ? n_ - d->n_ : d->n_ - n_);
      return true;
    }
    return false;
  }
  bool compare(const Value& other, int& order) const override {
    const auto* d = other.is_object() ? dynamic_cast<const Days*>(other.as_object()) : nullptr;
    if (!d) return false;
    order = n_ < d->n_ ? -1 : n_ > d->n_ ? 1 : 0;
    return true;
  }
  std::string repr() const override { return std::to_string(n_) + "d"; }
  std::string type_name() const override { return "days"; }

 private:
  std::int64_t n_;
};

std::string render(const std::string& source) {
  Environment env;
  env.add_function("days", [](CallArgs& a) { return Days::of(a.get(0, "n").as_int()); });
  return env.from_string(source)->render();
}

TEST(JinjaNativeOperators, ObjectsImplementArithmeticOnEitherSide) {
  EXPECT_EQ(render("{{ days(3) + 2 }} {{ 2 + days(3) }} {{ days(3) - 1 }} {{ days(3) * 4 }}"),
            "5d 5d 2d 12d");
  EXPECT_EQ(render("{{ days(10) - days(4) }} {{ (days(10) - days(4)) + 1 }}"), "6 7");
}

TEST(JinjaNativeOperators, UnsupportedOperatorsStayTypeErrors) {
  try {
    render("{{ 1 - days(3) }}");
    FAIL() << "expected a TypeError";
  } catch (const TemplateError& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported operand type(s) for -: 'int' and 'days'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(render("{{ days(1) / 2 }}"), TemplateError);
  EXPECT_THROW(render("{{ days(1) < 2 }}"), TemplateError);
}

TEST(JinjaNativeOperators, ObjectsCompareByValue) {
  EXPECT_EQ(render("{{ days(1) < days(2) }} {{ days(2) <= days(2) }} {{ days(3) > days(2) }} {{ days(1) >= "
                   "days(2) }}"),
            "True True True False");
  EXPECT_EQ(render("{{ days(2) == days(2) }} {{ days(2) != days(3) }} {{ days(2) == 2 }}"),
            "True True False");
  EXPECT_EQ(render("{{ [days(3), days(1), days(2)] | sort | join(',') }} {{ [days(4), days(9)] | max }}"),
            "1d,2d,3d 9d");
  EXPECT_EQ(render("{{ days(2) in [days(1), days(2)] }}"), "True");
}

}  // namespace
}  // namespace pond::jinja
