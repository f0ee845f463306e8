#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "common/text.hpp"  // quote_identifier, quote_literal
#include "common/time.hpp"  // sql_utc_now
#include "common/uuid.hpp"
#include "state/database.hpp"

namespace pond::lake {

// quote_literal, or NULL for nullopt.
std::string literal_or_null(const std::optional<std::string>& text);

// Catalog text to numbers/booleans: the state layer's conversions.
using state::to_bool;
using state::to_int;
using state::to_opt_int;

}  // namespace pond::lake
