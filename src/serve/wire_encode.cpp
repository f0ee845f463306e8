#include "serve/wire_encode.hpp"

#include "common/error.hpp"

namespace pond::serve {

std::string MessageWriter::take() {
  std::string out;
  out.swap(out_);
  return out;
}

void MessageWriter::begin(char type) {
  out_.push_back(type);
  start_ = out_.size();
  out_.append(4, '\0');
}
void MessageWriter::end() {
  std::size_t len = out_.size() - start_;
  POND_ASSERT(len <= 0x7fffffff, "backend message over 2 GiB");
  for (int i = 0; i < 4; ++i) out_[start_ + i] = static_cast<char>((len >> (24 - 8 * i)) & 0xff);
}
void MessageWriter::i16(std::int16_t v) {
  auto u = static_cast<std::uint16_t>(v);
  const char bytes[2] = {static_cast<char>(u >> 8), static_cast<char>(u & 0xff)};
  out_.append(bytes, 2);
}
void MessageWriter::i32(std::int32_t v) {
  auto u = static_cast<std::uint32_t>(v);
  const char bytes[4] = {static_cast<char>(u >> 24), static_cast<char>((u >> 16) & 0xff),
                         static_cast<char>((u >> 8) & 0xff), static_cast<char>(u & 0xff)};
  out_.append(bytes, 4);  // one append: a 1M-row result writes this a few million times
}
void MessageWriter::cstring(std::string_view s) {
  out_.append(s);
  out_.push_back('\0');
}

void MessageWriter::authentication_ok() {
  begin('R');
  i32(0);
  end();
}
void MessageWriter::authentication_sasl(const std::vector<std::string>& mechanisms) {
  begin('R');
  i32(10);
  for (const auto& m : mechanisms) cstring(m);
  out_.push_back('\0');
  end();
}
void MessageWriter::authentication_sasl_continue(std::string_view data) {
  begin('R');
  i32(11);
  out_.append(data);
  end();
}
void MessageWriter::authentication_cleartext_password() {
  begin('R');
  i32(3);
  end();
}
void MessageWriter::authentication_sasl_final(std::string_view data) {
  begin('R');
  i32(12);
  out_.append(data);
  end();
}
void MessageWriter::parameter_status(std::string_view name, std::string_view value) {
  begin('S');
  cstring(name);
  cstring(value);
  end();
}
void MessageWriter::backend_key_data(std::int32_t process_id, std::int32_t secret) {
  begin('K');
  i32(process_id);
  i32(secret);
  end();
}
void MessageWriter::ready_for_query(char status) {
  begin('Z');
  out_.push_back(status);
  end();
}
void MessageWriter::row_description(const std::vector<FieldDescription>& fields) {
  begin('T');
  i16(static_cast<std::int16_t>(fields.size()));
  for (const auto& f : fields) {
    cstring(f.name);
    i32(0);  // table oid
    i16(0);  // column number
    i32(f.type_oid);
    i16(f.type_size);
    i32(f.type_modifier);
    i16(f.format);
  }
  end();
}
void MessageWriter::data_row(const std::vector<std::optional<std::string>>& values) {
  begin('D');
  i16(static_cast<std::int16_t>(values.size()));
  for (const auto& v : values) {
    if (!v) {
      i32(-1);
    } else {
      i32(static_cast<std::int32_t>(v->size()));
      out_.append(*v);
    }
  }
  end();
}
void MessageWriter::command_complete(std::string_view tag) {
  begin('C');
  cstring(tag);
  end();
}
void MessageWriter::empty_query_response() {
  begin('I');
  end();
}
void MessageWriter::fields(char type, const ErrorFields& e) {
  begin(type);
  out_.push_back('S');
  cstring(e.severity);
  out_.push_back('V');
  cstring(e.severity);
  out_.push_back('C');
  cstring(e.code);
  out_.push_back('M');
  cstring(e.message);
  if (e.detail) {
    out_.push_back('D');
    cstring(*e.detail);
  }
  if (e.hint) {
    out_.push_back('H');
    cstring(*e.hint);
  }
  out_.push_back('\0');
  end();
}
void MessageWriter::error_response(const ErrorFields& e) {
  fields('E', e);
}
void MessageWriter::notice_response(const ErrorFields& e) {
  fields('N', e);
}
void MessageWriter::parse_complete() {
  begin('1');
  end();
}
void MessageWriter::bind_complete() {
  begin('2');
  end();
}
void MessageWriter::close_complete() {
  begin('3');
  end();
}
void MessageWriter::no_data() {
  begin('n');
  end();
}
void MessageWriter::portal_suspended() {
  begin('s');
  end();
}
void MessageWriter::parameter_description(const std::vector<std::int32_t>& oids) {
  begin('t');
  i16(static_cast<std::int16_t>(oids.size()));
  for (auto o : oids) i32(o);
  end();
}

void MessageWriter::copy_out_response(std::size_t columns) {
  POND_ASSERT(columns <= 0x7fff, "COPY of more than 32767 columns");
  begin('H');
  out_.push_back('\0');  // text
  i16(static_cast<std::int16_t>(columns));
  for (std::size_t c = 0; c < columns; ++c) i16(0);
  end();
}
void MessageWriter::copy_data(std::string_view data) {
  begin('d');
  out_.append(data);
  end();
}
void MessageWriter::copy_done() {
  begin('c');
  end();
}
void MessageWriter::negotiate_protocol_version(std::int32_t newest_minor,
                                               const std::vector<std::string>& unrecognized) {
  begin('v');
  i32((3 << 16) | newest_minor);
  i32(static_cast<std::int32_t>(unrecognized.size()));
  for (const auto& option : unrecognized) cstring(option);
  end();
}

void MessageWriter::protocol2_fatal(std::string_view message) {
  out_ += 'E';
  out_ += "FATAL:  ";
  out_.append(message);
  out_ += '\n';
  out_ += '\0';
}

}  // namespace pond::serve
