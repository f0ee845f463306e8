#pragma once
// PostgreSQL protocol 3.0, backend side: the messages pond sends, appended to one buffer that
// the server writes out.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pond::serve {

// A result column as RowDescription describes it.
struct FieldDescription {
  std::string name;
  std::int32_t type_oid = 25;
  std::int16_t type_size = -1;
  std::int32_t type_modifier = -1;
  std::int16_t format = 0;  // 0 text, 1 binary (as the Bind asked)
};

// An error or notice; `code` is the SQLSTATE.
struct ErrorFields {
  std::string severity = "ERROR";
  std::string code = "XX000";
  std::string message;
  std::optional<std::string> detail;
  std::optional<std::string> hint;
};

// Appends backend messages to `out` (each with its length patched in).
class MessageWriter {
 public:
  std::string& buffer() { return out_; }
  bool empty() const { return out_.empty(); }
  std::string take();

  void authentication_ok();
  void authentication_sasl(const std::vector<std::string>& mechanisms);
  void authentication_cleartext_password();
  void authentication_sasl_continue(std::string_view data);
  void authentication_sasl_final(std::string_view data);
  void parameter_status(std::string_view name, std::string_view value);
  void backend_key_data(std::int32_t process_id, std::int32_t secret);
  void ready_for_query(char status);
  void row_description(const std::vector<FieldDescription>& fields);
  // One row: each value as text, nullopt for NULL.
  void data_row(const std::vector<std::optional<std::string>>& values);
  void command_complete(std::string_view tag);
  void empty_query_response();
  void error_response(const ErrorFields& e);
  void notice_response(const ErrorFields& e);
  // A FATAL error in protocol 2's format ('E', the text, no length), for a client that asked for
  // protocol 1 or 2: what it can read, as PostgreSQL answers it.
  void protocol2_fatal(std::string_view message);
  void parse_complete();
  void bind_complete();
  void close_complete();
  void no_data();
  void portal_suspended();
  void parameter_description(const std::vector<std::int32_t>& oids);
  // COPY ... TO STDOUT: CopyOutResponse (text format, `columns` columns), one CopyData per line, CopyDone.
  void copy_out_response(std::size_t columns);
  void copy_data(std::string_view data);
  void copy_done();
  // The newest minor version of protocol 3 pond speaks and the startup options it did not recognize.
  void negotiate_protocol_version(std::int32_t newest_minor, const std::vector<std::string>& unrecognized);

 private:
  void begin(char type);
  void end();
  void i16(std::int16_t v);
  void i32(std::int32_t v);
  void cstring(std::string_view s);
  void fields(char type, const ErrorFields& e);
  std::string out_;
  std::size_t start_ = 0;
};

}  // namespace pond::serve
