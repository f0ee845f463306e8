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

}  // namespace pond::lake
