#include <gtest/gtest.h>

#include "project/config.hpp"
#include "project/generic_tests.hpp"
#include "project/hashing.hpp"

namespace pond::project {

using nlohmann::json;

TEST(GenericTestNames, MatchDbtIncludingHashedLongNames) {
  auto [s1, f1] = generic_test_names("not_null", "orders", json{{"column_name", "order_id"}});
  EXPECT_EQ(s1, "not_null_orders_order_id");
  EXPECT_EQ(f1, s1);
  json av{{"column_name", "status"},
          {"values", json::array({"placed", "shipped", "completed", "return_pending", "returned"})}};
  auto [s2, f2] = generic_test_names("accepted_values", "orders", av);
  EXPECT_EQ(f2, "accepted_values_orders_status__placed__shipped__completed__return_pending__returned");
  EXPECT_EQ(s2, "accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758");
  auto [s3, f3] = generic_test_names(
      "relationships", "orders",
      json{{"column_name", "customer_id"}, {"to", "ref('customers')"}, {"field", "customer_id"}});
  EXPECT_EQ(s3, "relationships_orders_customer_id__customer_id__ref_customers_");
}

TEST(GenericTestNames, UniqueIdHashesMatchDbt) {
  // Known unique_ids of dbt's jaffle_shop manifest.
  Node orders;
  orders.resource_type = ResourceType::kModel;
  orders.name = "orders";
  orders.unique_id = "model.jaffle_shop.orders";
  SchemaFile yaml;
  yaml.original_file_path = "models/schema.yml";
  yaml.path = "schema.yml";
  TestSpec not_null;
  not_null.test_name = "not_null";
  not_null.column_name = "order_id";
  Node t = make_generic_test(not_null, orders, yaml, "jaffle_shop");
  EXPECT_EQ(t.unique_id, "test.jaffle_shop.not_null_orders_order_id.cf6c17daed");
  EXPECT_EQ(t.fqn, (std::vector<std::string>{"jaffle_shop", "not_null_orders_order_id"}));
  EXPECT_EQ(t.attached_node, "model.jaffle_shop.orders");

  TestSpec av;
  av.test_name = "accepted_values";
  av.column_name = "status";
  av.args = json{{"values", json::array({"placed", "shipped", "completed", "return_pending", "returned"})}};
  Node t2 = make_generic_test(av, orders, yaml, "jaffle_shop");
  EXPECT_EQ(
      t2.unique_id,
      "test.jaffle_shop.accepted_values_orders_status__placed__shipped__completed__return_pending__returned."
      "be6b5b5ec3");
  EXPECT_EQ(t2.alias, "accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758");

  TestSpec cid;
  cid.test_name = "not_null";
  cid.column_name = "customer_id";
  EXPECT_EQ(make_generic_test(cid, orders, yaml, "jaffle_shop").unique_id,
            "test.jaffle_shop.not_null_orders_customer_id.c5f02694af");

  Node src;
  src.resource_type = ResourceType::kSource;
  src.source_name = "raw";
  src.name = "items";
  TestSpec st;
  st.test_name = "unique";
  st.column_name = "id";
  Node t3 = make_generic_test(st, src, yaml, "p");
  EXPECT_EQ(t3.name, "source_unique_raw_items_id");
  EXPECT_EQ(t3.sources.at(0).source, "raw");
  EXPECT_EQ(t3.test_metadata->kwargs["model"], "{{ get_where_subquery(source('raw', 'items')) }}");
}

TEST(PythonRepr, QuotesLikePython) {
  EXPECT_EQ(python_repr_hashable(json{{"b", "it's"}, {"a", json::array({1, true, nullptr})}}),
            "{'a': ['1', 'True', 'None'], 'b': \"it's\"}");
}

TEST(Hashing, KnownDigests) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Config, TreeByFolderWithDbtMergeRules) {
  json tree = json::parse(R"({
    "+materialized": "view", "+tags": ["all"],
    "shop": {"+meta": {"a": 1}, "staging": {"+materialized": "table", "+tags": "stg", "+meta": {"b": 2},
                                            "post-hook": "select 1", "stg_x": {"+enabled": false}},
             "marts": {"materialized": "incremental"}}})");
  json c = tree_config(tree, {"shop", "staging", "stg_x"});
  EXPECT_EQ(c["materialized"], "table");
  EXPECT_EQ(c["tags"], json::array({"all", "stg"}));
  EXPECT_EQ(c["meta"], json({{"a", 1}, {"b", 2}}));
  EXPECT_EQ(c["post-hook"][0]["sql"], "select 1");
  EXPECT_EQ(c["enabled"], false);
  EXPECT_EQ(tree_config(tree, {"shop", "marts", "m"})["materialized"], "incremental");
  EXPECT_EQ(tree_config(tree, {"other", "m"})["materialized"], "view");

  json base = default_config(ResourceType::kModel);
  merge_config(base, normalize_config(json{{"+pre_hook", json::array({"a", "b"})}, {"schema", "x"}}));
  merge_config(base, normalize_config(json{{"pre-hook", "c"}}));
  EXPECT_EQ(base["pre-hook"].size(), 3u);
  EXPECT_EQ(base["schema"], "x");
  EXPECT_EQ(base["on_schema_change"], "ignore");
}

}  // namespace pond::project
