#include "ingest/scd2.hpp"

#include "common/text.hpp"

namespace pond::ingest {

std::string scd2_rows_sql(const ResourceConfig& r, const std::string& incoming, const std::string& current,
                          const std::string& meta, const std::string& loaded_at) {
  const std::string now = "CAST(" + quote_literal(loaded_at) + " AS TIMESTAMPTZ)";
  std::string same_key;
  for (const auto& k : r.primary_key)
    same_key += (same_key.empty() ? "" : " AND ") +
                ("i." + quote_identifier(k) + " IS NOT DISTINCT FROM c." + quote_identifier(k));
  const std::string hash = quote_identifier(kRowHash);
  const std::string with_hash =
      "SELECT *, md5(CAST(to_json(d) AS VARCHAR)) AS " + hash + " FROM (" + incoming + ") AS d";
  const std::string added = "SELECT i.*, " + now + " AS " + quote_identifier(kValidFrom) +
                            ", CAST(NULL AS TIMESTAMPTZ) AS " + quote_identifier(kValidTo) + meta +
                            " FROM pond_scd2_in AS i";
  if (current.empty()) return "WITH pond_scd2_in AS (" + with_hash + ") " + added;
  // A current version stays when the load brings its key with the same data; it is retired when
  // the data changed, or (a full extract only) when its key is not in the load.
  std::string retired =
      "SELECT c.* REPLACE (" + now + " AS " + quote_identifier(kValidTo) +
      ") FROM pond_scd2_current AS c WHERE NOT EXISTS (SELECT 1 FROM pond_scd2_in AS i WHERE " + same_key +
      " AND i." + hash + " = c." + hash + ")";
  if (!r.retire_absent.value_or(r.full_extract()))
    retired += " AND EXISTS (SELECT 1 FROM pond_scd2_in AS i WHERE " + same_key + ")";
  return "WITH pond_scd2_in AS (" + with_hash + "), pond_scd2_current AS (SELECT * FROM (" + current +
         ") AS t WHERE " + quote_identifier(kValidTo) + " IS NULL) " + retired + " UNION ALL BY NAME " +
         added + " WHERE NOT EXISTS (SELECT 1 FROM pond_scd2_current AS c WHERE " + same_key + " AND i." +
         hash + " = c." + hash + ")";
}

}  // namespace pond::ingest
