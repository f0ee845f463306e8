#include "compile/query_table.hpp"

#include <cctype>
#include <charconv>
#include <memory>

#include "compile/modules.hpp"
#include "jinja/error.hpp"

namespace pond::compile {

using jinja::CallArgs;
using jinja::Value;

namespace {

std::string base_type(const std::string& type) {
  std::string t = type;
  for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (auto p = t.find('('); p != std::string::npos) t = t.substr(0, p);
  return t;
}

// Position of `key` among `names` (an int index, negative from the end, or a column name).
std::optional<std::size_t> position(const Value& key, const std::vector<std::string>& names) {
  if (key.is_int()) {
    std::int64_t i = key.as_int();
    const auto n = static_cast<std::int64_t>(names.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) return std::nullopt;
    return static_cast<std::size_t>(i);
  }
  if (key.is_str())
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == key.str()) return i;
  return std::nullopt;
}

[[noreturn]] void missing(const Value& key, const char* what) {
  throw jinja::TemplateError(jinja::ErrorKind::kValue, std::string(what) + " has no item " + key.repr());
}

Value strings(const std::vector<std::string>& v) {
  std::vector<Value> out;
  for (const auto& s : v) out.push_back(Value(s));
  return Value::tuple(std::move(out));
}

// agate's MappedSequence: a sequence of values whose items are reached by index or by name.
class MappedSequence final : public jinja::NativeObject {
 public:
  MappedSequence(std::shared_ptr<const std::vector<std::string>> keys, std::vector<Value> values,
                 std::string kind)
      : keys_(std::move(keys)), values_(std::move(values)), kind_(std::move(kind)) {}

  Value get_item(const Value& key) const override {
    if (auto i = position(key, *keys_)) return values_[*i];
    missing(key, kind_.c_str());
  }
  Value get_attr(std::string_view name) const override {
    (void)name;
    return Value::undefined();
  }
  bool has_method(std::string_view name) const override {
    return name == "keys" || name == "values" || name == "items" || name == "get" || name == "dict";
  }
  bool call_method(std::string_view name, CallArgs& args, Value& result) override {
    if (name == "keys") {
      result = strings(*keys_);
    } else if (name == "values") {
      result = Value::tuple(values_);
    } else if (name == "items") {
      std::vector<Value> out;
      for (std::size_t i = 0; i < values_.size(); ++i)
        out.push_back(Value::tuple({Value((*keys_)[i]), values_[i]}));
      result = Value::list(std::move(out));
    } else if (name == "get") {
      Value key = args.get(0, "key");
      auto i = position(key, *keys_);
      result = i ? values_[*i] : args.get(1, "default", Value::none());
    } else {
      Value d = Value::dict();
      for (std::size_t i = 0; i < values_.size(); ++i) d.as_dict().set(Value((*keys_)[i]), values_[i]);
      result = d;
    }
    return true;
  }
  bool iterable() const override { return true; }
  std::vector<Value> iterate() const override { return values_; }
  bool truthy() const override { return !values_.empty(); }
  std::string repr() const override { return "<agate." + kind_ + ">"; }
  std::string type_name() const override { return kind_; }

 private:
  std::shared_ptr<const std::vector<std::string>> keys_;
  std::vector<Value> values_;
  std::string kind_;
};

// An agate Column: a sequence of the column's values (by row), with .name and .data_type.
class ColumnObject final : public jinja::NativeObject {
 public:
  ColumnObject(std::string name, std::string type, std::vector<Value> values)
      : name_(std::move(name)), type_(std::move(type)), values_(std::move(values)) {}
  Value get_attr(std::string_view name) const override {
    if (name == "name") return Value(name_);
    if (name == "data_type") return Value(type_);
    return Value::undefined();
  }
  Value get_item(const Value& key) const override {
    if (key.is_int()) {
      std::int64_t i = key.as_int();
      const auto n = static_cast<std::int64_t>(values_.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return values_[static_cast<std::size_t>(i)];
    }
    missing(key, "Column");
  }
  bool has_method(std::string_view name) const override {
    return name == "values" || name == "values_distinct";
  }
  bool call_method(std::string_view name, CallArgs&, Value& result) override {
    if (name == "values") {
      result = Value::tuple(values_);
      return true;
    }
    std::vector<Value> out;
    for (const auto& v : values_) {
      bool seen = false;
      for (const auto& o : out) seen = seen || (o.kind() == v.kind() && o.repr() == v.repr());
      if (!seen) out.push_back(v);
    }
    result = Value::tuple(std::move(out));
    return true;
  }
  bool iterable() const override { return true; }
  std::vector<Value> iterate() const override { return values_; }
  std::string repr() const override { return "<agate.Column " + name_ + ">"; }
  std::string type_name() const override { return "Column"; }

 private:
  std::string name_, type_;
  std::vector<Value> values_;
};

class TableObject final : public jinja::NativeObject {
 public:
  explicit TableObject(const QueryResult& r) : names_(std::make_shared<std::vector<std::string>>(r.columns)) {
    std::vector<std::vector<Value>> by_column(r.columns.size());
    for (const auto& row : r.rows) {
      std::vector<Value> cells;
      for (std::size_t c = 0; c < r.columns.size() && c < row.size(); ++c) {
        cells.push_back(cell_value(row[c], c < r.types.size() ? r.types[c] : std::string()));
        by_column[c].push_back(cells.back());
      }
      rows_.push_back(Value::object(std::make_shared<MappedSequence>(names_, std::move(cells), "Row")));
    }
    std::vector<Value> cols;
    for (std::size_t c = 0; c < r.columns.size(); ++c)
      cols.push_back(Value::object(std::make_shared<ColumnObject>(
          r.columns[c], c < r.types.size() ? r.types[c] : std::string(), std::move(by_column[c]))));
    columns_ = Value::object(std::make_shared<MappedSequence>(names_, std::move(cols), "Columns"));
    types_ = strings(r.types);
  }
  Value get_attr(std::string_view name) const override {
    if (name == "rows") return Value::object(std::make_shared<MappedSequence>(row_keys(), rows_, "Rows"));
    if (name == "columns") return columns_;
    if (name == "column_names") return strings(*names_);
    if (name == "column_types") return types_;
    return Value::undefined();
  }
  Value get_item(const Value& key) const override {
    if (key.is_int()) {
      std::int64_t i = key.as_int();
      const auto n = static_cast<std::int64_t>(rows_.size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return rows_[static_cast<std::size_t>(i)];
    }
    missing(key, "Table");
  }
  bool has_method(std::string_view name) const override {
    return name == "print_table" || name == "print_json" || name == "__len__";
  }
  bool call_method(std::string_view name, CallArgs&, Value& result) override {
    if (name == "__len__") {
      result = Value(static_cast<std::int64_t>(rows_.size()));
      return true;
    }
    // print_table/print_json write to stdout in agate; here they go to the log like print().
    std::string text;
    for (const auto& n : *names_) text += (text.empty() ? "" : " | ") + n;
    for (const auto& row : rows_) {
      std::string line;
      for (const auto& v : row.as_object()->iterate()) line += (line.empty() ? "" : " | ") + v.str();
      text += "\n" + line;
    }
    std::fprintf(stderr, "%s\n", text.c_str());
    result = Value("");
    return true;
  }
  bool iterable() const override { return true; }
  std::vector<Value> iterate() const override { return rows_; }
  bool truthy() const override { return true; }
  std::string repr() const override { return "<agate.Table>"; }
  std::string type_name() const override { return "Table"; }

 private:
  std::shared_ptr<const std::vector<std::string>> row_keys() const {
    auto keys = std::make_shared<std::vector<std::string>>();
    for (std::size_t i = 0; i < rows_.size(); ++i) keys->push_back(std::to_string(i));
    return keys;
  }
  std::shared_ptr<const std::vector<std::string>> names_;
  std::vector<Value> rows_;
  Value columns_;
  Value types_;
};

}  // namespace

Value cell_value(const std::optional<std::string>& text, const std::string& type) {
  if (!text) return Value::none();
  const std::string& s = *text;
  const std::string t = base_type(type);
  if (t == "BOOLEAN") return Value(s == "true");
  if (t == "TINYINT" || t == "SMALLINT" || t == "INTEGER" || t == "BIGINT" || t == "UTINYINT" ||
      t == "USMALLINT" || t == "UINTEGER" || t == "HUGEINT" || t == "UBIGINT" || t == "UHUGEINT") {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return Value(v);
    return Value(s);  // beyond 64 bits: kept as text
  }
  if (t == "FLOAT" || t == "DOUBLE" || t == "DECIMAL" || t == "REAL") {
    try {
      std::size_t used = 0;
      double d = std::stod(s, &used);
      if (used == s.size()) return Value(d);
    } catch (const std::exception&) {
    }
    return Value(s);
  }
  if (t == "DATE" && s.size() == 10) return make_date(s);
  if ((t == "TIMESTAMP" || t == "TIMESTAMP_S" || t == "TIMESTAMP_MS" || t == "TIMESTAMP_NS") &&
      s.size() >= 19)
    return make_datetime(s);
  return Value(s);
}

Value query_table(const QueryResult& result) {
  return Value::object(std::make_shared<TableObject>(result));
}

Value statement_result(const QueryResult& result, bool fetched) {
  Value response = Value::dict();
  auto& r = response.as_dict();
  r.set(Value("_message"), Value(result.message.empty() ? std::string("OK") : result.message));
  r.set(Value("code"), Value(result.message.empty() ? std::string("OK") : result.message));
  r.set(Value("rows_affected"), Value(static_cast<std::int64_t>(result.rows_affected)));
  Value out = Value::dict();
  auto& d = out.as_dict();
  d.set(Value("response"), response);
  std::vector<Value> data;
  QueryResult shown = fetched ? result : QueryResult{result.columns, result.types, {}, result.message, 0};
  Value table = query_table(shown);
  for (const auto& row : table.as_object()->iterate())
    data.push_back(Value::tuple(row.as_object()->iterate()));
  d.set(Value("data"), Value::list(std::move(data)));
  d.set(Value("table"), table);
  return out;
}

}  // namespace pond::compile
