#include "compile/modules.hpp"

#include <chrono>
#include <ctime>
#include <regex>

#include "jinja/error.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

// A naive-UTC datetime: strftime, isoformat, the date parts, str() like Python's.
class DateTime final : public jinja::NativeObject {
 public:
  DateTime(std::time_t t, int micros) : t_(t), micros_(micros) { gmtime_r(&t_, &tm_); }

  Value get_attr(std::string_view name) const override {
    if (name == "year") return Value(static_cast<std::int64_t>(tm_.tm_year + 1900));
    if (name == "month") return Value(static_cast<std::int64_t>(tm_.tm_mon + 1));
    if (name == "day") return Value(static_cast<std::int64_t>(tm_.tm_mday));
    if (name == "hour") return Value(static_cast<std::int64_t>(tm_.tm_hour));
    if (name == "minute") return Value(static_cast<std::int64_t>(tm_.tm_min));
    if (name == "second") return Value(static_cast<std::int64_t>(tm_.tm_sec));
    if (name == "microsecond") return Value(static_cast<std::int64_t>(micros_));
    return Value::undefined();
  }
  bool has_method(std::string_view name) const override {
    return name == "strftime" || name == "isoformat" || name == "timestamp" || name == "date";
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    if (name == "strftime") {
      std::string fmt = args.get(0, "format").str();
      char buf[256];
      std::size_t n = std::strftime(buf, sizeof buf, fmt.c_str(), &tm_);
      result = Value(std::string(buf, n));
    } else if (name == "isoformat") {
      result = Value(format(args.get(0, "sep", Value("T")).str()));
    } else if (name == "timestamp") {
      result = Value(static_cast<double>(t_) + micros_ / 1e6);
    } else {
      char buf[16];
      std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm_);
      result = Value(std::string(buf));
    }
    return true;
  }
  std::string str() const override { return format(" "); }
  std::string repr() const override { return "datetime(" + format("T") + ")"; }
  std::string type_name() const override { return "datetime"; }

 private:
  std::string format(const std::string& sep) const {
    char buf[64];
    std::strftime(buf, sizeof buf, ("%Y-%m-%d" + sep + "%H:%M:%S").c_str(), &tm_);
    std::string s(buf);
    if (micros_) {
      char us[16];
      std::snprintf(us, sizeof us, ".%06d", micros_);
      s += us;
    }
    return s;
  }
  std::time_t t_;
  int micros_;
  std::tm tm_{};
};

Value now_value() {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  return Value::object(
      std::make_shared<DateTime>(static_cast<std::time_t>(us / 1000000), static_cast<int>(us % 1000000)));
}

// A namespace of native functions: modules.datetime.datetime.now(), modules.re.search(...).
class FunctionBag final : public jinja::NativeObject {
 public:
  std::vector<std::pair<std::string, Value>> members;
  Value get_attr(std::string_view name) const override {
    for (const auto& [k, v] : members)
      if (k == name) return v;
    return Value::undefined();
  }
};

Value bag(std::vector<std::pair<std::string, Value>> members) {
  auto b = std::make_shared<FunctionBag>();
  b->members = std::move(members);
  return Value::object(std::move(b));
}

std::regex compile_regex(const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw jinja::TemplateError(jinja::ErrorKind::kValue,
                               "bad regular expression '" + pattern + "': " + e.what());
  }
}

Value match_value(const std::smatch& m) {
  std::vector<Value> groups;
  for (std::size_t i = 1; i < m.size(); ++i)
    groups.push_back(m[i].matched ? Value(m[i].str()) : Value::none());
  Value whole(m[0].str());
  Value groups_tuple = Value::tuple(groups);
  return bag({{"group", Value::function("group",
                                        [m0 = m[0].str(), groups](CallArgs& a) {
                                          std::int64_t i = a.args.empty() ? 0 : a.args[0].as_int();
                                          if (i == 0) return Value(m0);
                                          if (i < 0 || static_cast<std::size_t>(i) > groups.size())
                                            return Value::none();
                                          return groups[static_cast<std::size_t>(i - 1)];
                                        })},
              {"groups", Value::function("groups", [groups_tuple](CallArgs&) { return groups_tuple; })}});
}

}  // namespace

Value make_datetime(const std::string& iso) {
  std::tm tm{};
  int micros = 0;
  if (iso.size() >= 19) {
    tm.tm_year = std::stoi(iso.substr(0, 4)) - 1900;
    tm.tm_mon = std::stoi(iso.substr(5, 2)) - 1;
    tm.tm_mday = std::stoi(iso.substr(8, 2));
    tm.tm_hour = std::stoi(iso.substr(11, 2));
    tm.tm_min = std::stoi(iso.substr(14, 2));
    tm.tm_sec = std::stoi(iso.substr(17, 2));
    if (iso.size() >= 26 && iso[19] == '.') micros = std::stoi(iso.substr(20, 6));
    return Value::object(std::make_shared<DateTime>(timegm(&tm), micros));
  }
  return now_value();
}

Value make_modules() {
  Value datetime_cls = bag({{"now", Value::function("now", [](CallArgs&) { return now_value(); })},
                            {"utcnow", Value::function("utcnow", [](CallArgs&) { return now_value(); })}});
  Value date_cls = bag({{"today", Value::function("today", [](CallArgs&) {
                           Value now = now_value();
                           CallArgs none;
                           Value out;
                           now.as_object()->call_method("date", none, out);
                           return out;
                         })}});
  Value datetime = bag({{"datetime", datetime_cls}, {"date", date_cls}});
  auto search = [](bool anchored) {
    return [anchored](CallArgs& a) {
      std::string pattern = a.get(0, "pattern").str();
      std::string text = a.get(1, "string").str();
      std::regex re = compile_regex(pattern);
      std::smatch m;
      bool ok = anchored ? std::regex_search(text, m, re, std::regex_constants::match_continuous)
                         : std::regex_search(text, m, re);
      return ok ? match_value(m) : Value::none();
    };
  };
  Value re_module = bag({{"search", Value::function("search", search(false))},
                         {"match", Value::function("match", search(true))},
                         {"sub", Value::function("sub",
                                                 [](CallArgs& a) {
                                                   std::regex re = compile_regex(a.get(0, "pattern").str());
                                                   return Value(std::regex_replace(
                                                       a.get(2, "string").str(), re, a.get(1, "repl").str()));
                                                 })},
                         {"findall", Value::function("findall", [](CallArgs& a) {
                            std::regex re = compile_regex(a.get(0, "pattern").str());
                            std::string text = a.get(1, "string").str();
                            std::vector<Value> out;
                            for (auto it = std::sregex_iterator(text.begin(), text.end(), re);
                                 it != std::sregex_iterator(); ++it)
                              out.push_back(Value(it->size() > 1 ? (*it)[1].str() : (*it)[0].str()));
                            return Value::list(std::move(out));
                          })}});
  return bag({{"datetime", datetime}, {"re", re_module}});
}

}  // namespace pond::compile
