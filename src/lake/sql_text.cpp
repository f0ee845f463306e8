#include "lake/sql_text.hpp"

#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <random>

namespace pond::lake {

std::string literal_or_null(const std::optional<std::string>& text) {
  return text ? quote_literal(*text) : std::string("NULL");
}

std::string strip_query(std::string_view sql) {
  while (!sql.empty() && (sql.back() == ';' || std::isspace(static_cast<unsigned char>(sql.back()))))
    sql.remove_suffix(1);
  return std::string(sql);
}

}  // namespace pond::lake
