#include "orchestrate/partition_keys.hpp"

#include <algorithm>
#include <ostream>

#include "common/error.hpp"

namespace pond::orchestrate {

namespace {

std::string joined(const std::vector<std::string>& keys) {
  std::string s;
  for (const auto& k : keys) s += (s.empty() ? "" : ", ") + k;
  return s;
}

// The dynamic definition `name` of pond.yml, or a UserError saying what it is instead.
void check_dynamic(const PondConfig& config, const std::string& name) {
  const PartitionsConfig* p = config.find_partitions(name);
  if (!p) {
    std::string dynamic;
    for (const auto& d : config.partitions)
      if (d.type == PartitionsConfig::Type::kDynamic) dynamic += (dynamic.empty() ? "" : ", ") + d.name;
    throw UserError("pond.yml has no partitions definition '" + name + "'",
                    dynamic.empty() ? "declare one: partitions: {" + name + ": {type: dynamic}}"
                                    : "its dynamic definitions: " + dynamic);
  }
  if (p->type != PartitionsConfig::Type::kDynamic)
    throw UserError(p->where, "partitions '" + name + "' are not dynamic: their keys come from pond.yml",
                    "keys are added to definitions of type: dynamic");
}

}  // namespace

int add_partition_keys(Workspace& ws, const std::string& definition, const std::vector<std::string>& keys,
                       std::ostream& out) {
  check_dynamic(ws.config(), definition);
  for (const auto& k : keys) {
    if (k.empty()) throw UserError("a partition key must not be empty");
    if (k.find_first_of("|,") != std::string::npos)
      throw UserError("partition key '" + k + "' contains '|' or ','", "these separate keys in ranges");
  }
  std::vector<std::string> added = ws.store().add_dynamic_partitions(definition, keys);
  std::vector<std::string> there;
  for (const auto& k : keys)
    if (std::find(added.begin(), added.end(), k) == added.end()) there.push_back(k);
  out << "Added " << added.size() << " key(s) to " << definition
      << (added.empty() ? "" : ": " + joined(added));
  if (!there.empty()) out << " (already there: " << joined(there) << ")";
  out << "\n";
  return 0;
}

int remove_partition_keys(Workspace& ws, const std::string& definition, const std::vector<std::string>& keys,
                          std::ostream& out) {
  check_dynamic(ws.config(), definition);
  auto all = ws.store().dynamic_partitions();
  const std::vector<std::string>& have = all[definition];
  std::vector<std::string> unknown;
  for (const auto& k : keys)
    if (std::find(have.begin(), have.end(), k) == have.end()) unknown.push_back(k);
  if (!unknown.empty())
    throw UserError("partitions '" + definition + "' have no key " + joined(unknown) + " (nothing removed)",
                    have.empty() ? "the definition has no keys yet" : "its keys: " + joined(have));
  std::vector<std::string> removed = ws.store().remove_dynamic_partitions(definition, keys);
  out << "Removed " << removed.size() << " key(s) from " << definition << ": " << joined(removed) << "\n";
  return 0;
}

}  // namespace pond::orchestrate
