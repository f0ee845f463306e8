#include "project/json_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace pond::project {

void JsonWriter::flush(std::size_t limit) {
  if (!sink_ || out_.size() <= limit) return;
  sink_->write(out_.data(), static_cast<std::streamsize>(out_.size()));
  out_.clear();
}

void JsonWriter::comma() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() {
  comma();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  comma();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  comma();
  write_string(k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  comma();
  write_string(s);
  return *this;
}

void JsonWriter::write_string(std::string_view s) {
  out_ += '"';
  // Table lookup: most characters need no escaping and are copied in runs.
  static constexpr auto kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 256; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
  }();
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (kPlain[c]) continue;
    out_.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      case '\b':
        out_ += "\\b";
        break;
      case '\f':
        out_ += "\\f";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out_ += "\\u00";
        out_ += kHex[c >> 4];
        out_ += kHex[c & 15];
      }
    }
  }
  out_.append(s.data() + run, s.size() - run);
  out_ += '"';
}

JsonWriter& JsonWriter::value(bool b) {
  comma();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  comma();
  if (!std::isfinite(d)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  out_.append(buf, p);
  return *this;
}

JsonWriter& JsonWriter::value(long long i) {
  comma();
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, i);
  out_.append(buf, p);
  return *this;
}

JsonWriter& JsonWriter::raw_members(std::string_view members) {
  if (members.empty()) return *this;
  comma();
  out_.append(members);
  return *this;
}

JsonWriter& JsonWriter::null() {
  comma();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::value(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      begin_object();
      for (const auto& [k, v] : j.items()) {
        key(k);
        value(v);
      }
      return end_object();
    case nlohmann::json::value_t::array:
      begin_array();
      for (const auto& v : j) value(v);
      return end_array();
    case nlohmann::json::value_t::string:
      return value(std::string_view(j.get_ref<const std::string&>()));
    case nlohmann::json::value_t::boolean:
      return value(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return value(static_cast<long long>(j.get<std::int64_t>()));
    case nlohmann::json::value_t::number_unsigned:
      return value(static_cast<long long>(j.get<std::uint64_t>()));
    case nlohmann::json::value_t::number_float:
      return value(j.get<double>());
    default:
      return null();
  }
}

JsonWriter& JsonWriter::strings(const std::vector<std::string>& items) {
  begin_array();
  for (const auto& s : items) value(s);
  return end_array();
}

}  // namespace pond::project
