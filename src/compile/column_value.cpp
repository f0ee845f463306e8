#include "compile/column_value.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "compile/values.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

template <std::size_t N>
bool one_of(const std::string& dtype, const std::array<std::string_view, N>& names) {
  std::string l = lower(dtype);
  return std::find(names.begin(), names.end(), l) != names.end();
}

bool is_string_type(const std::string& d) {
  return one_of(d, std::array<std::string_view, 4>{"text", "character varying", "character", "varchar"});
}
// DuckDBColumn's lists (they replace the base class's for floats and integers).
bool is_float_type(const std::string& d) {
  return one_of(d, std::array<std::string_view, 5>{"real", "float", "float4", "float8", "double"});
}
bool is_integer_type(const std::string& d) {
  return one_of(
      d, std::array<std::string_view, 18>{"tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint",
                                          "usmallint", "uinteger", "ubigint", "int1", "int2", "int4", "int8",
                                          "short", "int", "signed", "long", "uhugeint"});
}
bool is_numeric_type(const std::string& d) {
  return one_of(d, std::array<std::string_view, 2>{"numeric", "decimal"});
}

std::string string_type(std::int64_t size) {
  return "character varying(" + std::to_string(size) + ")";
}

std::string numeric_type(const std::string& dtype, const Value& precision, const Value& scale) {
  if (precision.is_none() || precision.is_undefined() || scale.is_none() || scale.is_undefined())
    return dtype;
  return dtype + "(" + precision.str() + "," + scale.str() + ")";
}

std::string translate_type(const std::string& dtype) {
  std::string upper = dtype;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper == "STRING" ? "TEXT" : dtype;
}

// Column.from_description: "varchar(10)" -> char_size 10, "numeric(10,2)" -> precision, scale.
Value from_description(const std::string& name, const std::string& raw) {
  std::size_t open = raw.find('(');
  if (open == std::string::npos || open == 0) return make_column(name, raw);
  std::size_t close = raw.find(')', open);
  if (close == std::string::npos) return make_column(name, raw);
  std::string type = raw.substr(0, open);
  std::string inside = raw.substr(open + 1, close - open - 1);
  auto to_int = [&](const std::string& s) -> Value {
    try {
      std::size_t used = 0;
      long long v = std::stoll(s, &used);
      if (used == s.size()) return Value(static_cast<std::int64_t>(v));
    } catch (const std::exception&) {
    }
    compiler_error("Could not interpret data_type \"" + raw + "\": could not convert \"" + s +
                   "\" to an integer");
  };
  std::size_t comma = inside.find(',');
  if (comma == std::string::npos) return make_column(name, type, to_int(inside));
  if (inside.find(',', comma + 1) != std::string::npos) return make_column(name, type);
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(' '));
    s.erase(s.find_last_not_of(' ') + 1);
    return s;
  };
  return make_column(name, type, Value::none(), to_int(trim(inside.substr(0, comma))),
                     to_int(trim(inside.substr(comma + 1))));
}

class ColumnValue final : public jinja::NativeObject {
 public:
  ColumnValue(std::string name, std::string dtype, Value char_size, Value precision, Value scale)
      : name_(std::move(name)),
        dtype_(std::move(dtype)),
        char_size_(std::move(char_size)),
        precision_(std::move(precision)),
        scale_(std::move(scale)) {}

  const std::string& name() const { return name_; }
  const std::string& dtype() const { return dtype_; }

  std::int64_t string_size() const {
    if (!is_string_type(dtype_)) compiler_error("Called string_size() on non-string field!");
    if (dtype_ == "text" || char_size_.is_none() || char_size_.is_undefined()) return 256;
    return char_size_.as_int();
  }
  std::string data_type() const {
    if (is_string_type(dtype_)) return string_type(string_size());
    if (is_numeric_type(dtype_)) return numeric_type(dtype_, precision_, scale_);
    return dtype_;
  }

  Value get_attr(std::string_view n) const override {
    if (n == "column" || n == "name") return Value(name_);
    if (n == "quoted") return Value("\"" + name_ + "\"");
    if (n == "dtype") return Value(dtype_);
    if (n == "data_type" || n == "expanded_data_type") return Value(data_type());
    if (n == "char_size") return char_size_;
    if (n == "numeric_precision") return precision_;
    if (n == "numeric_scale") return scale_;
    if (n == "fields") return Value::list(struct_fields());
    if (n == "TYPE_LABELS") return make_dict({{"STRING", Value("TEXT")}});
    return Value::undefined();
  }
  bool has_method(std::string_view n) const override {
    static constexpr std::string_view kMethods[] = {
        "is_string",    "is_number",      "is_float",      "is_integer",       "is_numeric",
        "is_struct",    "string_size",    "can_expand_to", "literal",          "string_type",
        "numeric_type", "translate_type", "create",        "from_description", "flatten"};
    return std::find(std::begin(kMethods), std::end(kMethods), n) != std::end(kMethods);
  }
  bool call_method(std::string_view n, CallArgs& args, Value& result) override {
    if (n == "is_string") {
      result = Value(is_string_type(dtype_));
    } else if (n == "is_float") {
      result = Value(is_float_type(dtype_));
    } else if (n == "is_integer") {
      result = Value(is_integer_type(dtype_));
    } else if (n == "is_numeric") {
      result = Value(is_numeric_type(dtype_));
    } else if (n == "is_number") {
      result = Value(is_integer_type(dtype_) || is_numeric_type(dtype_) || is_float_type(dtype_));
    } else if (n == "is_struct") {
      result = Value(lower(dtype_).rfind("struct", 0) == 0);
    } else if (n == "string_size") {
      result = Value(string_size());
    } else if (n == "can_expand_to") {
      Value other = args.get(0, "other_column");
      auto* o = other.is_object() ? dynamic_cast<ColumnValue*>(other.as_object()) : nullptr;
      if (!o) compiler_error("can_expand_to() expects a Column");
      result = Value(is_string_type(dtype_) && is_string_type(o->dtype_) && o->string_size() > string_size());
    } else if (n == "literal") {
      result = Value(args.get(0, "value").str() + "::" + data_type());
    } else if (n == "flatten") {
      std::vector<Value> out;
      flatten_into(name_, out);
      result = Value::list(std::move(out));
    } else {
      return class_method(n, args, result);
    }
    return true;
  }
  std::string repr() const override {
    return "DuckDBColumn(column=" + Value(name_).repr() + ", dtype=" + Value(dtype_).repr() +
           ", char_size=" + char_size_.repr() + ", numeric_precision=" + precision_.repr() +
           ", numeric_scale=" + scale_.repr() + ", fields=" + Value::list(struct_fields()).repr() + ")";
  }
  std::string type_name() const override { return "DuckDBColumn"; }

  static bool class_method(std::string_view n, CallArgs& args, Value& result) {
    if (n == "string_type") {
      result = Value(string_type(args.get(0, "size").as_int()));
    } else if (n == "numeric_type") {
      result = Value(numeric_type(arg_str(args, 0, "dtype"), args.get(1, "precision"), args.get(2, "scale")));
    } else if (n == "translate_type") {
      result = Value(translate_type(arg_str(args, 0, "dtype")));
    } else if (n == "create") {
      result = make_column(arg_str(args, 0, "name"), translate_type(arg_str(args, 1, "label_or_dtype")));
    } else if (n == "from_description") {
      result = from_description(arg_str(args, 0, "name"), arg_str(args, 1, "raw_data_type"));
    } else {
      return false;
    }
    return true;
  }

 private:
  // STRUCT(a INTEGER, b DECIMAL(10, 2)) -> its fields, split at top-level commas.
  std::vector<Value> struct_fields() const {
    std::vector<Value> out;
    std::string l = lower(dtype_);
    if (l.rfind("struct(", 0) != 0 || dtype_.back() != ')') return out;
    std::string content = dtype_.substr(7, dtype_.size() - 8);
    int depth = 0;
    std::string current;
    auto flush = [&] {
      std::string f = current;
      f.erase(0, f.find_first_not_of(' '));
      f.erase(f.find_last_not_of(' ') + 1);
      current.clear();
      std::size_t sp = f.find(' ');
      if (sp == std::string::npos) return;
      out.push_back(make_column(f.substr(0, sp), f.substr(sp + 1)));
    };
    for (char c : content) {
      if (c == '(') ++depth;
      if (c == ')') --depth;
      if (c == ',' && depth == 0)
        flush();
      else
        current += c;
    }
    flush();
    return out;
  }
  void flatten_into(const std::string& prefix, std::vector<Value>& out) const {
    auto fields = struct_fields();
    if (fields.empty() && lower(dtype_).rfind("struct", 0) != 0) {
      out.push_back(make_column(prefix, dtype_));
      return;
    }
    for (const auto& f : fields) {
      auto* c = static_cast<ColumnValue*>(f.as_object());
      c->flatten_into(prefix + "." + c->name_, out);
    }
  }

  std::string name_, dtype_;
  Value char_size_, precision_, scale_;
};

class ColumnClass final : public jinja::NativeObject {
 public:
  bool callable() const override { return true; }
  Value call(CallArgs& args) override {
    return make_column(
        arg_str(args, 0, "column"), arg_str(args, 1, "dtype"), args.get(2, "char_size", Value::none()),
        args.get(3, "numeric_precision", Value::none()), args.get(4, "numeric_scale", Value::none()));
  }
  Value get_attr(std::string_view n) const override {
    if (n == "TYPE_LABELS") return make_dict({{"STRING", Value("TEXT")}});
    return Value::undefined();
  }
  bool has_method(std::string_view n) const override {
    return n == "string_type" || n == "numeric_type" || n == "translate_type" || n == "create" ||
           n == "from_description";
  }
  bool call_method(std::string_view n, CallArgs& args, Value& result) override {
    return ColumnValue::class_method(n, args, result);
  }
  std::string repr() const override { return "<class 'dbt.adapters.duckdb.column.DuckDBColumn'>"; }
  std::string type_name() const override { return "type"; }
};

}  // namespace

Value make_column(std::string name, std::string dtype, Value char_size, Value numeric_precision,
                  Value numeric_scale) {
  return Value::object(std::make_shared<ColumnValue>(std::move(name), std::move(dtype), std::move(char_size),
                                                     std::move(numeric_precision), std::move(numeric_scale)));
}

std::optional<std::pair<std::string, std::string>> column_of(const Value& v) {
  if (!v.is_object()) return std::nullopt;
  auto* c = dynamic_cast<ColumnValue*>(v.as_object());
  if (!c) return std::nullopt;
  return std::pair{c->name(), c->dtype()};
}

Value column_class() {
  return Value::object(std::make_shared<ColumnClass>());
}

}  // namespace pond::compile
