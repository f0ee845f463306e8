// `pond template render FILE [--context JSON_FILE]`: plain Jinja2 rendering of one file, with the
// settings dbt uses (do + loopcontrols, no autoescape, trailing newline dropped). Templates it
// includes or imports are looked up relative to FILE's folder.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "jinja/environment.hpp"

namespace pond::cli {

namespace {

jinja::Value from_json(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null:
      return jinja::Value::none();
    case nlohmann::ordered_json::value_t::boolean:
      return jinja::Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return jinja::Value(j.get<std::int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return jinja::Value(static_cast<double>(u));
      return jinja::Value(static_cast<std::int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return jinja::Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return jinja::Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<jinja::Value> items;
      for (const auto& e : j) items.push_back(from_json(e));
      return jinja::Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      jinja::Value d = jinja::Value::dict();
      for (const auto& [k, v] : j.items()) d.as_dict().set(jinja::Value(k), from_json(v));
      return d;
    }
    default:
      return jinja::Value::none();
  }
}

std::string read_file(const std::filesystem::path& p, const char* what) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw UserError("cannot read " + std::string(what) + " '" + p.string() + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int run_template_render(CommandContext&, const TemplateRenderOptions& options) {
  std::filesystem::path file(options.file);
  read_file(file, "template");  // a clear usage error when the file is missing
  jinja::Value vars = jinja::Value::dict();
  if (options.context_file) {
    std::string text = read_file(*options.context_file, "context file");
    nlohmann::ordered_json j;
    try {
      j = nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw UserError(*options.context_file + ": invalid JSON: " + e.what());
    }
    if (!j.is_object()) throw UserError(*options.context_file + ": the context must be a JSON object");
    vars = from_json(j);
  }
  jinja::Environment env;
  std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  env.set_loader(jinja::Environment::directory_loader(dir.string()));
  try {
    auto tmpl = env.get_template(file.filename().string());
    std::string out = tmpl->render(vars);
    std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
    std::cout.flush();
  } catch (const jinja::TemplateError& e) {
    std::cout.flush();
    std::cerr << e.describe() << "\n";
    return static_cast<int>(ExitCode::kStepFailed);
  }
  return 0;
}

}  // namespace pond::cli
