#include "project/package_version.hpp"

#include <cctype>
#include <charconv>
#include <stdexcept>

#include "common/text.hpp"

namespace pond::project {

namespace {

bool read_int(std::string_view& s, int& out) {
  std::size_t n = 0;
  while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) ++n;
  if (n == 0 || n > 9) return false;
  std::from_chars(s.data(), s.data() + n, out);
  s.remove_prefix(n);
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Semver rule 11: dot-separated identifiers, numeric ones compared as numbers and lower than
// alphanumeric ones; a shorter list that is a prefix of a longer one sorts first.
int compare_prerelease(const std::string& a, const std::string& b) {
  if (a == b) return 0;
  if (a.empty()) return 1;
  if (b.empty()) return -1;
  std::vector<std::string> pa = split(a, '.'), pb = split(b, '.');
  for (std::size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    bool na = all_digits(pa[i]), nb = all_digits(pb[i]);
    if (na && nb) {
      if (pa[i].size() != pb[i].size()) return pa[i].size() < pb[i].size() ? -1 : 1;
      if (pa[i] != pb[i]) return pa[i] < pb[i] ? -1 : 1;
    } else if (na != nb) {
      return na ? -1 : 1;
    } else if (pa[i] != pb[i]) {
      return pa[i] < pb[i] ? -1 : 1;
    }
  }
  if (pa.size() == pb.size()) return 0;
  return pa.size() < pb.size() ? -1 : 1;
}

}  // namespace

std::optional<SemVer> SemVer::parse(std::string_view text) {
  std::string_view s = trim(text);
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) s.remove_prefix(1);
  SemVer v;
  if (!read_int(s, v.major) || s.empty() || s[0] != '.') return std::nullopt;
  s.remove_prefix(1);
  if (!read_int(s, v.minor) || s.empty() || s[0] != '.') return std::nullopt;
  s.remove_prefix(1);
  if (!read_int(s, v.patch)) return std::nullopt;
  if (auto plus = s.find('+'); plus != std::string_view::npos) {
    v.build = std::string(s.substr(plus + 1));
    s = s.substr(0, plus);
    if (v.build.empty()) return std::nullopt;
  }
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return std::nullopt;
  v.prerelease = std::string(s);
  return v;
}

std::string SemVer::str() const {
  std::string s = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  if (!prerelease.empty()) s += "-" + prerelease;
  if (!build.empty()) s += "+" + build;
  return s;
}

int compare(const SemVer& a, const SemVer& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  return compare_prerelease(a.prerelease, b.prerelease);
}

bool VersionConstraint::matches(const SemVer& v) const {
  int c = compare(v, version);
  switch (op) {
    case Op::kEq:
      return c == 0;
    case Op::kLt:
      return c < 0;
    case Op::kLe:
      return c <= 0;
    case Op::kGt:
      return c > 0;
    case Op::kGe:
      return c >= 0;
  }
  return false;
}

std::string VersionConstraint::str() const {
  static const char* ops[] = {"", "<", "<=", ">", ">="};
  return ops[static_cast<int>(op)] + version.str();
}

VersionRange VersionRange::parse(const std::vector<std::string>& specs) {
  VersionRange r;
  for (const auto& raw : specs) {
    std::string_view s = trim(raw);
    VersionConstraint c;
    if (s.rfind(">=", 0) == 0) {
      c.op = VersionConstraint::Op::kGe;
      s.remove_prefix(2);
    } else if (s.rfind("<=", 0) == 0) {
      c.op = VersionConstraint::Op::kLe;
      s.remove_prefix(2);
    } else if (s.rfind(">", 0) == 0) {
      c.op = VersionConstraint::Op::kGt;
      s.remove_prefix(1);
    } else if (s.rfind("<", 0) == 0) {
      c.op = VersionConstraint::Op::kLt;
      s.remove_prefix(1);
    } else if (s.rfind("==", 0) == 0) {
      s.remove_prefix(2);
    } else if (s.rfind("=", 0) == 0) {
      s.remove_prefix(1);
    }
    auto v = SemVer::parse(s);
    if (!v) {
      throw std::invalid_argument(
          "'" + raw + "' is not a version constraint (expected e.g. \"1.2.0\", \">=1.0.0\", \"<2.0.0\")");
    }
    c.version = *v;
    r.constraints.push_back(c);
  }
  return r;
}

bool VersionRange::matches(const SemVer& v) const {
  for (const auto& c : constraints)
    if (!c.matches(v)) return false;
  return true;
}

bool VersionRange::pins_prerelease() const {
  for (const auto& c : constraints)
    if (c.op == VersionConstraint::Op::kEq && c.version.is_prerelease()) return true;
  return false;
}

std::string VersionRange::str() const {
  std::string s = "[";
  for (std::size_t i = 0; i < constraints.size(); ++i) s += (i ? ", \"" : "\"") + constraints[i].str() + "\"";
  return s + "]";
}

std::optional<std::string> best_version(const std::vector<std::string>& available, const VersionRange& range,
                                        bool install_prerelease) {
  std::optional<SemVer> best;
  std::string best_text;
  bool prerelease_ok = install_prerelease || range.pins_prerelease();
  for (const auto& text : available) {
    auto v = SemVer::parse(text);
    if (!v || (v->is_prerelease() && !prerelease_ok) || !range.matches(*v)) continue;
    if (!best || compare(*v, *best) > 0) {
      best = v;
      best_text = text;
    }
  }
  if (!best) return std::nullopt;
  return best_text;
}

}  // namespace pond::project
