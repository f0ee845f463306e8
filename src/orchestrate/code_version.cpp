#include "orchestrate/code_version.hpp"

#include <glob.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "common/text.hpp"
#include "project/hashing.hpp"
#include "project/node.hpp"

namespace pond::orchestrate {

namespace {

constexpr std::size_t kVersionLength = 16;

std::string short_hash(std::string_view text) {
  return project::sha256_hex(text).substr(0, kVersionLength);
}

// Whitespace-separated words with simple quotes removed: enough to spot file names.
std::vector<std::string> words(const std::string& command) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (char c : command) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        cur += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '|' || c == '&') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

std::string dbt_code_version(const project::Node& node) {
  return short_hash(node.checksum + "\n" + node.unrendered_config.dump());
}

std::vector<std::string> command_files(const AssetConfig& a, const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  fs::path cwd = a.cwd.empty() ? root : root / a.cwd;
  std::set<std::string> out;
  auto relative = [&](const fs::path& p) {
    std::error_code ec;
    fs::path r = fs::relative(fs::weakly_canonical(p, ec), fs::weakly_canonical(root, ec), ec);
    return r.empty() ? p.generic_string() : r.generic_string();
  };
  std::vector<std::string> ws = a.argv.empty() ? words(a.shell) : a.argv;
  for (const auto& w : ws) {
    if (w.empty() || w[0] == '-' || w.find('=') != std::string::npos) continue;
    fs::path p = fs::path(w).is_absolute() ? fs::path(w) : cwd / w;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) out.insert(relative(p));
  }
  for (const auto& pattern : a.code) {
    glob_t g{};
    std::string full = (root / pattern).string();
    if (::glob(full.c_str(), 0, nullptr, &g) == 0)
      for (std::size_t i = 0; i < g.gl_pathc; ++i)
        if (fs::is_regular_file(g.gl_pathv[i])) out.insert(relative(g.gl_pathv[i]));
    globfree(&g);
  }
  return {out.begin(), out.end()};
}

std::string command_code_version(const AssetConfig& a, const std::vector<std::string>& files,
                                 const std::filesystem::path& root) {
  std::ostringstream text;
  text << (a.argv.empty() ? a.shell : "") << "\n";
  for (const auto& w : a.argv) text << w << '\0';
  for (const auto& [k, v] : a.env) text << k << "=" << v << "\n";
  text << a.cwd << "\n";
  if (a.produces) text << a.produces->table << " " << a.produces->format << "\n";
  for (const auto& f : files) {
    std::ifstream in(root / f, std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    text << f << "\n" << project::sha256_hex(body.str()) << "\n";
  }
  return short_hash(text.str());
}

std::string ingest_code_version(const ingest::ResourceConfig& r) {
  std::ostringstream text;
  text << r.path << "\n"
       << (r.format ? ingest::format_name(*r.format) : "") << "\n"
       << static_cast<int>(r.compression) << "\n"
       << r.csv.delimiter.value_or("") << r.csv.header << r.csv.quote.value_or("")
       << r.csv.escape.value_or("") << r.csv.encoding.value_or("") << "\n";
  for (const auto& n : r.csv.null_strings) text << n << '\0';
  for (const auto& [k, v] : r.columns) text << k << "=" << v << "\n";
  text << r.qualified_table() << " " << ingest::write_name(r.write) << " " << static_cast<int>(r.incremental)
       << "\n";
  for (const auto& k : r.primary_key) text << k << '\0';
  if (r.retire_absent) text << "retire_absent " << *r.retire_absent << "\n";
  if (r.contract.columns != ingest::ContractMode::kEvolve ||
      r.contract.data_type != ingest::ContractMode::kEvolve)
    text << "contract " << ingest::contract_name(r.contract.columns) << " "
         << ingest::contract_name(r.contract.data_type) << "\n";
  if (r.max_nesting != 1000) text << "max_nesting " << r.max_nesting << "\n";
  if (r.on_bad_record != ingest::BadRecords::kFail) text << "on_bad_record quarantine\n";
  if (r.source == ingest::SourceKind::kDelta)
    text << "delta " << (r.delta_version ? std::to_string(*r.delta_version) : "latest") << "\n";
  if (r.source == ingest::SourceKind::kRest) {
    // Templates, not their values: a rotated token is not a new version of the resource.
    const ingest::RestSource& s = r.rest;
    text << "rest " << s.url << "\n" << s.records << "\n" << s.parallel << "\n";
    for (const auto& [k, v] : s.params) text << "param " << k << "=" << v << "\n";
    for (const auto& [k, v] : s.headers) text << "header " << k << "=" << v << "\n";
    text << "auth " << static_cast<int>(s.auth.type) << " " << s.auth.key_name << " " << s.auth.key_in_query
         << " " << s.auth.token_url << "\n";
    const ingest::Paginator& p = s.paginator;
    text << "paginator " << static_cast<int>(p.type) << " " << p.offset_param << " " << p.limit_param << " "
         << p.limit << " " << p.start << " " << p.page_param << " " << p.total_path << " " << p.cursor_path
         << " " << p.cursor_param << " " << p.next_path << " " << p.max_pages << "\n";
    if (s.incremental)
      text << "cursor " << s.incremental->cursor << " " << s.incremental->param << " "
           << s.incremental->initial.value_or("") << "\n";
  }
  if (r.source == ingest::SourceKind::kPostgres) {
    // Templates, not their values: a rotated password is not a new version of the resource.
    const ingest::PostgresSource& s = r.postgres;
    text << "postgres " << s.connection << "\n"
         << s.password << "\n"
         << s.source_table << "\n"
         << s.query << "\n"
         << s.parallel << " " << s.parallel_key << "\n";
    if (s.incremental)
      text << "cursor " << s.incremental->cursor << " " << s.incremental->initial.value_or("") << "\n";
  }
  return short_hash(text.str());
}

}  // namespace pond::orchestrate
