// pond's side of bench/jinja/bench.py: parses each template once and renders it many times with
// pond's Jinja engine, printing the time taken, so that the Python script can compare it with
// Python's Jinja2 on the same templates and contexts.
//
//   jinja_bench corpus MANIFEST REPS          MANIFEST: lines "name<TAB>template path<TAB>context
//                                             path or empty"; prints "ok<TAB>name<TAB>seconds" or
//                                             "fail<TAB>name<TAB>message" per line
//   jinja_bench heavy TEMPLATE CONTEXT N OUT  renders N times, writes one output to OUT, prints
//                                             the seconds taken
#include <time.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "jinja/environment.hpp"

namespace {

using pond::jinja::Environment;
using pond::jinja::Template;
using pond::jinja::Value;
using Json = nlohmann::ordered_json;  // keeps the keys' order, as Python's json module does

Value to_value(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return Value::none();
    case Json::value_t::boolean:
      return Value(j.get<bool>());
    case Json::value_t::number_integer:
      return Value(j.get<std::int64_t>());
    case Json::value_t::number_unsigned:
      return Value(static_cast<std::int64_t>(j.get<std::uint64_t>()));
    case Json::value_t::number_float:
      return Value(j.get<double>());
    case Json::value_t::string:
      return Value(j.get<std::string>());
    case Json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(to_value(e));
      return Value::list(std::move(items));
    }
    case Json::value_t::object: {
      Value d = Value::dict();
      for (const auto& [k, v] : j.items()) d.as_dict().set(Value(k), to_value(v));
      return d;
    }
    default:
      return Value::none();
  }
}

Value load_context(const std::string& path) {
  if (path.empty()) return Value::dict();
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return to_value(Json::parse(in));
}

// One environment per template folder, like a FileSystemLoader per folder on the Python side.
class Environments {
 public:
  std::shared_ptr<const Template> load(const std::string& path) {
    std::filesystem::path p(path);
    std::string dir = p.parent_path().string();
    auto& env = envs_[dir];
    if (!env) {
      env = std::make_unique<Environment>();
      env->set_loader(Environment::directory_loader(dir));
    }
    return env->get_template(p.filename().string());
  }

 private:
  std::map<std::string, std::unique_ptr<Environment>> envs_;
};

// CPU time of this thread: steadier than wall time on a machine shared with other work, and what
// bench.py measures on Python's side too (time.thread_time).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Renders `reps` times; returns seconds. `sink` keeps the renders from being optimised away.
double time_renders(const Template& t, const Value& ctx, long reps, std::size_t& sink) {
  double start = thread_cpu_seconds();
  for (long i = 0; i < reps; ++i) sink += t.render(ctx).size();
  return thread_cpu_seconds() - start;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\t') c = ' ';
  return s;
}

int run_corpus(const std::string& manifest, long reps) {
  std::ifstream in(manifest);
  if (!in) {
    std::cerr << "cannot read " << manifest << "\n";
    return 2;
  }
  Environments envs;
  std::size_t sink = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name, path, ctx_path;
    std::getline(fields, name, '\t');
    std::getline(fields, path, '\t');
    std::getline(fields, ctx_path, '\t');
    try {
      auto t = envs.load(path);
      Value ctx = load_context(ctx_path);
      sink += t->render(ctx).size();  // warm-up, and fail here rather than inside the timing
      std::cout << "ok\t" << name << "\t" << time_renders(*t, ctx, reps, sink) << "\n";
    } catch (const std::exception& e) {
      std::cout << "fail\t" << name << "\t" << one_line(e.what()) << "\n";
    }
  }
  std::cerr << "rendered " << sink << " bytes\n";
  return 0;
}

int run_heavy(const std::string& path, const std::string& ctx_path, long renders,
              const std::string& out_path) {
  Environments envs;
  auto t = envs.load(path);
  Value ctx = load_context(ctx_path);
  std::ofstream(out_path, std::ios::binary) << t->render(ctx);
  std::size_t sink = 0;
  std::cout << time_renders(*t, ctx, renders, sink) << "\n";
  std::cerr << "rendered " << sink << " bytes\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 3 && args[0] == "corpus") return run_corpus(args[1], std::stol(args[2]));
    if (args.size() == 5 && args[0] == "heavy")
      return run_heavy(args[1], args[2], std::stol(args[3]), args[4]);
  } catch (const std::exception& e) {
    std::cerr << "jinja_bench: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: jinja_bench corpus MANIFEST REPS | jinja_bench heavy TEMPLATE CONTEXT N OUT\n";
  return 2;
}
