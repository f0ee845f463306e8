#include "ui/static_files.hpp"

#include <map>

namespace pond::ui {

const EmbeddedFile* find_ui_file(const std::string& path) {
  static const std::map<std::string, const EmbeddedFile*> by_path = [] {
    std::map<std::string, const EmbeddedFile*> m;
    for (const auto& f : ui_files()) m["/" + f.path] = &f;
    return m;
  }();
  auto it = by_path.find(path == "/" ? "/index.html" : path);
  return it == by_path.end() ? nullptr : it->second;
}

std::string content_type_of(const std::string& path) {
  static const std::map<std::string, std::string> types{{".html", "text/html; charset=utf-8"},
                                                        {".js", "application/javascript; charset=utf-8"},
                                                        {".css", "text/css; charset=utf-8"},
                                                        {".svg", "image/svg+xml"},
                                                        {".png", "image/png"},
                                                        {".ico", "image/x-icon"},
                                                        {".json", "application/json"},
                                                        {".woff2", "font/woff2"}};
  auto dot = path.rfind('.');
  if (dot != std::string::npos)
    if (auto it = types.find(path.substr(dot)); it != types.end()) return it->second;
  return "application/octet-stream";
}

}  // namespace pond::ui
