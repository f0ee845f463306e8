#pragma once
// The lake backend: a target with `lake:` keeps its tables, views, seeds and snapshots in the
// lake (docs/lake.md, "Models into the lake"). Each write is one lake commit; the model's query
// runs in the run's DuckDB connection (where the lake's tables are views), its rows go straight
// to parquet, and one catalog transaction records them: a failing write commits nothing.
#include "materialize/backend.hpp"
#include "materialize/lake_target.hpp"

namespace pond::materialize {

class LakeBackend final : public Backend {
 public:
  explicit LakeBackend(LakeTarget& target) : target_(target) {}

  std::string_view name() const override { return "lake"; }
  bool holds(const Relation& rel) const override { return target_.holds(rel); }
  bool transactional() const override { return false; }
  LakeTarget& target() { return target_; }

  RelationKind kind_of(Session& s, const Relation& rel) override;
  std::vector<Column> columns_of(Session& s, const Relation& rel) override;
  void ensure_schema(Session& s, const Relation& rel) override;
  Write create_view(Session& s, const Relation& rel, const std::string& sql) override;
  Write replace_table(Session& s, const Relation& rel, const std::string& select,
                      const std::vector<std::string>& partition_by = {}) override;
  Write overwrite(Session& s, const Relation& rel, const std::string& select) override;
  Write append(Session& s, const Relation& rel, const std::string& source,
               const std::vector<std::string>& columns) override;
  Write delete_insert(Session& s, const Relation& rel, const std::string& predicate,
                      const std::string& source, const std::vector<std::string>& columns) override;
  Write merge(Session& s, const Relation& rel, const MergeSpec& merge) override;
  void add_column(Session& s, const Relation& rel, const Column& column) override;
  void drop_column(Session& s, const Relation& rel, const std::string& column) override;
  void alter_column_type(Session& s, const Relation& rel, const Column& column) override;
  void comment(Session& s, const Relation& rel, bool is_view, const std::string& column,
               const std::string& text) override;

 private:
  LakeTarget& target_;
};

}  // namespace pond::materialize
