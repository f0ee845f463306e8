#include "orchestrate/asset_graph.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "common/text.hpp"
#include "orchestrate/code_version.hpp"
#include "orchestrate/select.hpp"
#include "project/graph.hpp"
#include "project/manifest.hpp"

namespace pond::orchestrate {

namespace {

using project::Node;
using project::ResourceType;

std::string lower(const std::string& s) {
  return to_lower(s);
}

std::string relation_key(const Node& n) {
  if (n.resource_type == ResourceType::kSource)
    return n.schema + "." + (n.identifier.empty() ? n.name : n.identifier);
  return n.schema + "." + (n.alias.empty() ? n.name : n.alias);
}

std::vector<std::string> owners_of(const Node& n) {
  std::vector<std::string> out;
  auto take = [&](const nlohmann::json& meta) {
    if (!meta.is_object() || !meta.contains("owner")) return;
    const auto& o = meta["owner"];
    if (o.is_string()) out.push_back(o.get<std::string>());
    if (o.is_array())
      for (const auto& e : o)
        if (e.is_string()) out.push_back(e.get<std::string>());
  };
  take(n.meta);
  if (const auto* m = n.config_value("meta"); m && out.empty()) take(*m);
  return out;
}

// meta: {pond: {asset: NAME}} on a source: the command asset that produces it.
std::string pond_asset_meta(const Node& n) {
  for (const nlohmann::json* meta : {&n.meta, n.config_value("meta")}) {
    if (!meta || !meta->is_object() || !meta->contains("pond")) continue;
    const auto& p = (*meta)["pond"];
    if (p.is_object() && p.contains("asset") && p["asset"].is_string()) return p["asset"].get<std::string>();
  }
  return "";
}

bool is_plain_name(const std::string& s) {
  return s.find_first_of("+@:, *?[") == std::string::npos;
}

}  // namespace

const char* kind_name(AssetKind k) {
  switch (k) {
    case AssetKind::kModel:
      return "dbt model";
    case AssetKind::kSeed:
      return "dbt seed";
    case AssetKind::kSnapshot:
      return "dbt snapshot";
    case AssetKind::kSource:
      return "source";
    case AssetKind::kCommand:
      return "command";
    case AssetKind::kIngest:
      return "ingest";
  }
  return "asset";
}

AssetGraph::AssetGraph(const project::Manifest* manifest, const project::Graph* dbt_graph,
                       const PondConfig& config,
                       const std::map<std::string, std::vector<std::string>>& dynamic_keys)
    : manifest_(manifest), dbt_graph_(dbt_graph), config_(config) {
  for (const auto& p : config.partitions)
    definitions_.push_back(std::make_unique<PartitionsDefinition>(p, config, dynamic_keys));
  add_command_assets();
  add_ingest_assets();
  if (manifest_) add_dbt_nodes();
  add_command_deps();
  apply_model_rules();
  order_and_check_cycles();
  check_mappings();
  compute_code_versions();
}

AssetGraph::~AssetGraph() = default;

const PartitionsDefinition* AssetGraph::partitions(const std::string& name) const {
  for (const auto& d : definitions_)
    if (d->name() == name) return d.get();
  return nullptr;
}

std::size_t AssetGraph::add_node(AssetNode node) {
  std::size_t i = nodes_.size();
  by_name_.emplace(node.name, i);
  by_name_.emplace(node.key, i);
  nodes_.push_back(std::move(node));
  return i;
}

void AssetGraph::add_edge(std::size_t parent, std::size_t child, MappingConfig mapping) {
  if (parent == child) return;
  AssetNode& c = nodes_[child];
  auto it = std::find(c.parents.begin(), c.parents.end(), parent);
  if (it != c.parents.end()) {
    if (mapping.type != MappingConfig::Type::kDefault)
      c.mappings[static_cast<std::size_t>(it - c.parents.begin())] = mapping;
    return;
  }
  c.parents.push_back(parent);
  c.mappings.push_back(std::move(mapping));
  nodes_[parent].children.push_back(child);
}

std::optional<std::size_t> AssetGraph::find(const std::string& name) const {
  if (auto it = by_name_.find(name); it != by_name_.end()) return it->second;
  if (manifest_)
    if (auto m = manifest_->index_of(name))
      if (auto a = of_dbt_node(*m)) return a;
  return std::nullopt;
}

std::optional<std::size_t> AssetGraph::of_dbt_node(std::size_t manifest_index) const {
  if (auto it = by_dbt_.find(manifest_index); it != by_dbt_.end()) return it->second;
  return std::nullopt;
}

std::vector<std::string> AssetGraph::names() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) out.push_back(n.name);
  return out;
}

void AssetGraph::add_command_assets() {
  std::map<std::string, std::string> tables;  // table -> asset
  for (const AssetConfig& a : config_.assets) {
    AssetNode n;
    n.name = a.name;
    n.key = a.name;
    n.kind = AssetKind::kCommand;
    n.group = a.group;
    n.description = a.description;
    n.owners = a.owners;
    n.tags = a.tags;
    n.command = &a;
    n.where = a.where;
    n.retry = a.retry;
    n.pool = a.pool;
    if (!a.partitions.empty()) n.partitions = partitions(a.partitions);
    for (const auto& c : a.checks) n.checks.push_back(c.name);
    if (a.produces && n.partitions) {
      // Each run replaces its partition's rows: pond must know which column holds the partition.
      const auto& cols = a.produces->partition_columns;
      const PartitionsDefinition& d = *n.partitions;
      auto has = [&](const std::string& dim) {
        return cols.count(dim) || (cols.size() == 1 && cols.count(""));
      };
      bool two = d.time() && d.has_list();
      if (cols.empty() || (two && (!cols.count(d.time_dimension()) || !cols.count(d.list_dimension()))) ||
          (!two && !has("")))
        throw UserError(
            a.produces->where,
            "asset '" + a.name + "' is partitioned and produces " + a.produces->table +
                ": say which column holds the partition",
            two ? "partition_column: {" + d.time_dimension() + ": COLUMN, " + d.list_dimension() + ": COLUMN}"
                : "partition_column: COLUMN (each run replaces the rows of its partition)");
      if (a.produces->write == ProducesConfig::Write::kAppend)
        throw UserError(a.produces->where,
                        "asset '" + a.name + "' is partitioned: its runs replace their partition",
                        "remove 'write: append'");
    }
    if (a.produces) {
      n.table = a.produces->table;
      auto [it, fresh] = tables.emplace(lower(n.table), a.name);
      if (!fresh)
        throw UserError(a.produces->where,
                        "assets '" + it->second + "' and '" + a.name + "' both produce " + n.table,
                        "each lake table has one producer");
    }
    add_node(std::move(n));
  }
}

void AssetGraph::add_ingest_assets() {
  for (const ingest::ResourceConfig& r : config_.ingest) {
    AssetNode n;
    n.name = r.name;
    n.key = r.name;
    n.kind = AssetKind::kIngest;
    n.group = r.group;
    n.description = r.description;
    n.tags = r.tags;
    n.ingest = &r;
    n.where = r.where;
    n.table = r.qualified_table();
    if (!r.partitions.empty()) n.partitions = partitions(r.partitions);
    for (const auto& other : nodes_)
      if (!other.table.empty() && lower(other.table) == lower(n.table))
        throw UserError(
            r.where, "ingest resource '" + r.name + "' and asset '" + other.name + "' both write " + n.table,
            "each lake table has one producer");
    add_node(std::move(n));
  }
}

void AssetGraph::add_dbt_nodes() {
  const auto& ms = manifest_->nodes;
  std::map<std::string, std::size_t> producers;  // lower(table) -> command asset
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (!nodes_[i].table.empty()) producers[lower(nodes_[i].table)] = i;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const Node& m = ms[i];
    AssetKind kind;
    switch (m.resource_type) {
      case ResourceType::kModel:
        if (m.materialized() == "ephemeral") continue;
        kind = AssetKind::kModel;
        break;
      case ResourceType::kSeed:
        kind = AssetKind::kSeed;
        break;
      case ResourceType::kSnapshot:
        kind = AssetKind::kSnapshot;
        break;
      case ResourceType::kSource:
        kind = AssetKind::kSource;
        break;
      default:
        continue;
    }
    std::string key = relation_key(m);
    if (kind == AssetKind::kSource) {
      // A source whose table a command asset produces is that asset.
      std::string named = pond_asset_meta(m);
      std::optional<std::size_t> producer;
      if (!named.empty()) {
        auto it = by_name_.find(named);
        if (it == by_name_.end() || (nodes_[it->second].kind != AssetKind::kCommand &&
                                     nodes_[it->second].kind != AssetKind::kIngest)) {
          std::vector<std::string> names;
          for (const auto& a : config_.assets) names.push_back(a.name);
          for (const auto& a : config_.ingest) names.push_back(a.name);
          std::string guess = closest_match(named, names);
          throw UserError(
              SourceLocation{m.original_file_path},
              "source " + m.source_name + "." + m.name + " names pond asset '" + named +
                  "' (meta: {pond: {asset: ...}}), which pond.yml does not define",
              guess.empty() ? "define it under 'assets:' in pond.yml" : "did you mean '" + guess + "'?");
        }
        producer = it->second;
      } else if (auto it = producers.find(lower(key)); it != producers.end()) {
        producer = it->second;
      }
      if (producer) {
        by_dbt_[i] = *producer;
        by_name_.emplace(m.source_name + "." + m.name, *producer);
        continue;
      }
    } else if (auto it = producers.find(lower(key)); it != producers.end()) {
      const AssetNode& producer = nodes_[it->second];
      throw UserError(producer.command ? producer.command->produces->where : producer.where,
                      "asset '" + producer.name + "' produces " + nodes_[it->second].table + ", which dbt " +
                          std::string(project::to_string(m.resource_type)) + " " + m.name + " also writes",
                      "give one of them another table");
    }
    AssetNode n;
    n.kind = kind;
    n.key = key;
    n.name = kind == AssetKind::kSource ? m.source_name + "." + m.name : m.name;
    if (by_name_.count(n.name)) n.name = m.package_name + "." + n.name;  // same name in two packages
    n.dbt_index = i;
    const nlohmann::json* g = m.config_value("group");
    n.group = g && g->is_string() ? g->get<std::string>() : "default";
    n.description =
        kind == AssetKind::kSource && m.description.empty() ? m.source_description : m.description;
    n.owners = owners_of(m);
    n.tags = m.tags;
    n.table = kind == AssetKind::kSource || !m.relation_name.empty() ? key : "";
    n.where = SourceLocation{m.original_file_path};
    by_dbt_[i] = add_node(std::move(n));
    by_name_.emplace(m.unique_id, by_dbt_[i]);
  }
  // Edges (through ephemeral models, which are inlined) and tests as checks.
  std::function<void(const Node&, std::size_t, int)> link = [&](const Node& n, std::size_t child, int depth) {
    for (const auto& d : n.depends_on_nodes) {
      auto pi = manifest_->index_of(d);
      if (!pi) continue;
      if (auto a = of_dbt_node(*pi)) {
        add_edge(*a, child);
      } else if (ms[*pi].resource_type == ResourceType::kModel && depth < 64) {
        link(ms[*pi], child, depth + 1);
      }
    }
  };
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const Node& m = ms[i];
    // Data tests and unit tests (whose one parent is their model) are the asset's checks.
    if (m.resource_type == ResourceType::kTest || m.resource_type == ResourceType::kUnitTest) {
      std::optional<std::size_t> target;
      if (!m.attached_node.empty())
        if (auto pi = manifest_->index_of(m.attached_node)) target = of_dbt_node(*pi);
      if (!target && m.depends_on_nodes.size() == 1)
        if (auto pi = manifest_->index_of(m.depends_on_nodes.front())) target = of_dbt_node(*pi);
      if (target) {
        nodes_[*target].tests.push_back(i);
        nodes_[*target].checks.push_back(m.unique_id);
      }
      continue;
    }
    auto a = of_dbt_node(i);
    if (!a || nodes_[*a].kind == AssetKind::kCommand || nodes_[*a].kind == AssetKind::kIngest) continue;
    link(m, *a, 0);
  }
}

void AssetGraph::add_command_deps() {
  std::vector<std::string> all_names = names();
  // Plain names first, so that selections with graph operators see those edges too.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].kind != AssetKind::kCommand) continue;
      for (const DepConfig& d : nodes_[i].command->deps) {
        bool plain = is_plain_name(d.select);
        if (plain != (pass == 0)) continue;
        if (plain) {
          auto p = find(d.select);
          if (!p) {
            std::string guess = closest_match(d.select, all_names);
            throw UserError(
                d.where, "asset '" + nodes_[i].name + "' depends on '" + d.select + "', which is no asset",
                guess.empty() ? "deps name dbt models, seeds, snapshots, sources or assets of pond.yml"
                              : "did you mean '" + guess + "'?");
          }
          add_edge(*p, i, d.mapping);
          continue;
        }
        std::vector<std::size_t> picked;
        try {
          picked = select_assets(*this, {d.select});
        } catch (const UserError& e) {
          throw UserError(d.where, "asset '" + nodes_[i].name + "' deps: " + e.message(), e.hint());
        }
        picked.erase(std::remove(picked.begin(), picked.end(), i), picked.end());
        if (picked.empty())
          throw UserError(d.where, "asset '" + nodes_[i].name + "' depends on '" + d.select +
                                       "', which selects no asset");
        for (std::size_t p : picked) add_edge(p, i, d.mapping);
      }
    }
  }
}

void AssetGraph::apply_model_rules() {
  for (const ModelRule& rule : config_.models) {
    std::vector<std::size_t> picked;
    try {
      picked = select_assets(*this, {rule.select});
    } catch (const UserError& e) {
      throw UserError(rule.where, "models: " + e.message(), e.hint());
    }
    std::size_t applied = 0;
    for (std::size_t i : picked) {
      AssetNode& n = nodes_[i];
      if (!n.dbt_index || n.kind == AssetKind::kSource) continue;
      ++applied;
      if (!rule.partitions.empty()) n.partitions = partitions(rule.partitions);
      if (rule.retry) n.retry = rule.retry;
      if (!rule.pool.empty()) n.pool = rule.pool;
      if (rule.blocking_checks) n.blocking_checks = *rule.blocking_checks;
      for (const auto& [upstream, mapping] : rule.mappings) {
        auto p = find(upstream);
        auto at = p ? std::find(n.parents.begin(), n.parents.end(), *p) : n.parents.end();
        if (at == n.parents.end()) {
          std::vector<std::string> parents;
          for (std::size_t q : n.parents) parents.push_back(nodes_[q].name);
          std::string guess = closest_match(upstream, parents);
          throw UserError(mapping.where, "'" + upstream + "' is not an upstream asset of " + n.name,
                          guess.empty() ? "its upstream assets: " + (parents.empty() ? std::string("none") : [&] {
                            std::string s;
                            for (const auto& x : parents) s += (s.empty() ? "" : ", ") + x;
                            return s;
                          }())
                                        : "did you mean '" + guess + "'?");
        }
        n.mappings[static_cast<std::size_t>(at - n.parents.begin())] = mapping;
      }
    }
    if (applied == 0)
      throw UserError(rule.where, "models: '" + rule.select + "' selects no dbt model, seed or snapshot",
                      "command assets take their settings under 'assets:'");
  }
}

void AssetGraph::order_and_check_cycles() {
  std::vector<int> waiting(nodes_.size(), 0);
  for (std::size_t i = 0; i < nodes_.size(); ++i) waiting[i] = static_cast<int>(nodes_[i].parents.size());
  order_.clear();
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (waiting[i] == 0) order_.push_back(i);
  for (std::size_t k = 0; k < order_.size(); ++k)
    for (std::size_t c : nodes_[order_[k]].children)
      if (--waiting[c] == 0) order_.push_back(c);
  if (order_.size() == nodes_.size()) return;
  // A cycle: walk parents from a node still waiting until one repeats.
  std::size_t cur = 0;
  while (waiting[cur] == 0) ++cur;
  std::vector<std::size_t> path;
  std::vector<int> seen(nodes_.size(), -1);
  while (seen[cur] < 0) {
    seen[cur] = static_cast<int>(path.size());
    path.push_back(cur);
    for (std::size_t p : nodes_[cur].parents)
      if (waiting[p] > 0) {
        cur = p;
        break;
      }
  }
  std::vector<std::size_t> cycle(path.begin() + seen[cur], path.end());
  std::reverse(cycle.begin(), cycle.end());
  std::string text;
  for (std::size_t i : cycle) text += nodes_[i].name + " -> ";
  text += nodes_[cycle.front()].name;
  SourceLocation where;
  for (std::size_t i : cycle)
    if (nodes_[i].kind == AssetKind::kCommand || nodes_[i].kind == AssetKind::kIngest)
      where = nodes_[i].where;
  throw UserError(where, "the asset graph has a cycle: " + text,
                  "a command asset's deps must not reach back to assets that depend on it");
}

void AssetGraph::check_mappings() {
  using T = MappingConfig::Type;
  for (AssetNode& child : nodes_) {
    for (std::size_t k = 0; k < child.parents.size(); ++k) {
      const AssetNode& parent = nodes_[child.parents[k]];
      MappingConfig& m = child.mappings[k];
      const PartitionsDefinition* up = parent.partitions;
      const PartitionsDefinition* down = child.partitions;
      SourceLocation at = m.where.file.empty() ? child.where : m.where;
      auto incompatible = [&](const std::string& why) {
        throw UserError(at,
                        "partition mapping from " + parent.name + " (" + (up ? up->name() : "unpartitioned") +
                            ") to " + child.name + " (" + (down ? down->name() : "unpartitioned") +
                            "): " + why,
                        "give the dependency a mapping (identity, all, last, time_window, static) that fits");
      };
      if (m.type == T::kDefault) {
        if (!up || !down)
          m.type = T::kAll;
        else if (up->same_shape(*down))
          m.type = T::kIdentity;
        else if (up->time() && down->time() &&
                 (!up->has_list() || !down->has_list() || up->list_definition() == down->list_definition()))
          m.type = T::kTimeWindow;
        else
          incompatible("the definitions differ and no mapping connects them");
        continue;
      }
      if (!up && m.type != T::kAll) incompatible("the upstream asset is not partitioned");
      switch (m.type) {
        case T::kIdentity:
          if (!down || !up->same_shape(*down))
            incompatible("identity needs the same partitions on both sides");
          break;
        case T::kTimeWindow:
          if (!down || !up->time() || !down->time())
            incompatible("time_window needs time partitions on both sides");
          break;
        case T::kStatic:
          if (!down || up->time() || down->time()) incompatible("static needs list partitions on both sides");
          for (const auto& [from, tos] : m.static_map) {
            if (std::find(up->list_keys().begin(), up->list_keys().end(), from) == up->list_keys().end() &&
                !up->dynamic())
              incompatible("'" + from + "' is not a key of " + up->name());
            for (const auto& to : tos)
              if (std::find(down->list_keys().begin(), down->list_keys().end(), to) ==
                      down->list_keys().end() &&
                  !down->dynamic())
                incompatible("'" + to + "' is not a key of " + down->name());
          }
          break;
        case T::kLast:
          if (!up->time()) incompatible("last needs a time-partitioned upstream");
          break;
        default:
          break;
      }
    }
  }
}

void AssetGraph::compute_code_versions() {
  std::filesystem::path root = manifest_ ? manifest_->project.root : config_.file.parent_path();
  for (AssetNode& n : nodes_) {
    if (n.kind == AssetKind::kCommand) {
      n.files = command_files(*n.command, root);
      n.code_version = command_code_version(*n.command, n.files, root);
    } else if (n.kind == AssetKind::kIngest) {
      n.code_version = ingest_code_version(*n.ingest);
    } else if (n.dbt_index) {
      n.code_version = dbt_code_version(manifest_->nodes[*n.dbt_index]);
    }
  }
}

std::vector<std::size_t> AssetGraph::walk(const std::vector<std::size_t>& from, int depth, bool up) const {
  std::vector<int> dist(nodes_.size(), -1);
  std::vector<std::size_t> frontier, out;
  for (std::size_t f : from)
    if (dist[f] < 0) {
      dist[f] = 0;
      frontier.push_back(f);
    }
  for (int level = 1; !frontier.empty() && (depth < 0 || level <= depth); ++level) {
    std::vector<std::size_t> next;
    for (std::size_t n : frontier)
      for (std::size_t m : up ? nodes_[n].parents : nodes_[n].children)
        if (dist[m] < 0) {
          dist[m] = level;
          next.push_back(m);
          out.push_back(m);
        }
    frontier = std::move(next);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pond::orchestrate
