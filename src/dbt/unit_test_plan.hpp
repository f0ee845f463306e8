#pragma once
// A unit test of the manifest as the step that runs it needs it: fixture CTEs with their rows
// as SQL literals, and the model rendered over them.
#include <cstddef>
#include <functional>
#include <string>

#include "compile/compiler.hpp"
#include "materialize/unit_test.hpp"
#include "project/manifest.hpp"

namespace pond::dbt {

using UnitTestCompile = std::function<std::string(std::size_t, const compile::UnitTestRender&)>;

// `model`: the index of the tested model in manifest.nodes. Bad CSV rows are a UserError.
materialize::UnitTestSpec unit_test_spec(const project::UnitTest& test, const project::Manifest& manifest,
                                         std::size_t model, UnitTestCompile compile);

// The rows of a `given:`/`expect:` entry: dict values as SQL literals, csv text parsed (an
// empty field is null), sql kept as the query.
materialize::FixtureRows fixture_rows(const project::UnitTestRows& rows, const std::string& where);

}  // namespace pond::dbt
