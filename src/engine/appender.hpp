#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/handles.hpp"

namespace pond::engine {

class Connection;

// Fast row-by-row loading into an existing table. Rows are flushed by flush(), close()
// or the destructor; errors in the destructor are swallowed, so call close() to see them.
class Appender {
 public:
  Appender(Connection& con, std::string_view schema, std::string_view table);
  Appender(Appender&&) noexcept = default;
  Appender& operator=(Appender&&) noexcept = default;
  ~Appender();

  Appender& append(std::int64_t value);
  Appender& append(int value) { return append(std::int64_t{value}); }
  Appender& append(double value);
  Appender& append(bool value);
  Appender& append(std::string_view value);
  Appender& append(const char* value) { return append(std::string_view(value)); }
  Appender& append_null();
  void end_row();
  void flush();
  void close();

 private:
  struct Destroyer {
    void operator()(_duckdb_appender* app) const;
  };
  void check(bool ok, const char* action);
  std::string table_;
  std::unique_ptr<_duckdb_appender, Destroyer> app_;
};

}  // namespace pond::engine
