#pragma once
// A streaming JSON writer appending to one string: the manifest of a 50,000-model project
// is written without building a DOM (nlohmann's ordered_json cost more than parsing).
#include <cstring>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace pond::project {

class JsonWriter {
 public:
  // Appends to `out`. While the writer lives, `out` is longer than the text (room to write
  // into without a library call per character): read it after finish() or the writer's end.
  explicit JsonWriter(std::string& out, std::ostream* sink = nullptr)
      : out_(out), sink_(sink), len_(out.size()) {}
  ~JsonWriter() { finish(); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // Cuts `out` to the text written; writing may go on afterwards.
  void finish() { out_.resize(len_); }

  // With a sink: hands the text written so far to it once there is more than `limit` bytes,
  // so a 300 MB manifest never sits in memory whole.
  void flush(std::size_t limit = 0);

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(double d);
  JsonWriter& value(long long i);
  JsonWriter& null();
  // Appends members already written as JSON text ("\"k\":v,\"k2\":v2") inside the open object.
  JsonWriter& raw_members(std::string_view members);
  JsonWriter& value(const nlohmann::json& j);
  JsonWriter& strings(const std::vector<std::string>& items);
  // "" -> null, else the string (dbt writes absent optional strings as null).
  JsonWriter& string_or_null(const std::string& s) { return s.empty() ? null() : value(s); }

  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

 private:
  // A comma is due when the last thing written was a value or a closed container: no stack of
  // open containers is needed.
  void comma() {
    if (need_comma_) put(',');
  }
  void put(char c) {
    if (len_ == out_.size()) grow(1);
    out_[len_++] = c;
  }
  void put(std::string_view s) {
    if (out_.size() - len_ < s.size()) grow(s.size());
    if (!s.empty()) std::memcpy(out_.data() + len_, s.data(), s.size());
    len_ += s.size();
  }
  void grow(std::size_t more);
  void write_string(std::string_view s);

  std::string& out_;
  std::ostream* sink_;
  std::size_t len_;  // text written; out_ beyond it is room
  bool need_comma_ = false;
};

}  // namespace pond::project
