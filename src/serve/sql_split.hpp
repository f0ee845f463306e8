#pragma once
// Splits a simple-query string into statements at top-level semicolons (quotes, dollar quotes,
// comments respected), so that each is prepared, described and tagged on its own.
#include <string>
#include <string_view>
#include <vector>

namespace pond::serve {

// The statements of `sql`, trimmed; empty statements (";;", comments only) are dropped.
std::vector<std::string> split_statements(std::string_view sql);

// The index after the quoted string, quoted identifier, dollar quote or comment that starts at
// `i`, or npos when none starts there.
std::size_t skip_literal_or_comment(std::string_view sql, std::size_t i);

// True when every parenthesis outside quotes and comments is closed in order and no quote or
// comment is left open: the text cannot close a parenthesis it is wrapped in.
bool balanced_parentheses(std::string_view sql);

// The first `n` keywords of a statement, upper-cased ("BEGIN", "CREATE TABLE").
std::string leading_keywords(std::string_view sql, int n);

// `sql` with each placeholder $n outside quotes and comments for which `types[n-1]` is not
// empty written as CAST($n AS types[n-1]).
std::string cast_parameters(std::string_view sql, const std::vector<std::string>& types);

}  // namespace pond::serve
