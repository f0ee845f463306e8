#include "storage/s3_file_system.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "common/file_write.hpp"

namespace pond::storage {

namespace fs = std::filesystem;

S3FileSystem::S3FileSystem(std::shared_ptr<S3Client> client, const std::string& root, fs::path local_dir,
                           std::uint64_t cache_bytes)
    : client_(std::move(client)), cache_bytes_(cache_bytes) {
  auto url = parse_s3_url(root);
  if (!url) throw UserError("'" + root + "' is not an S3 location", "write it as s3://bucket/prefix/");
  bucket_ = url->bucket;
  prefix_ = url->key;
  if (!prefix_.empty() && prefix_.back() != '/') prefix_ += '/';
  cache_dir_ = local_dir / "cache" / bucket_;
  staging_dir_ = local_dir / "staging" / bucket_;
  etag_dir_ = local_dir / "cache-etags" / bucket_;
}

std::string S3FileSystem::key_of(const std::string& path) const {
  if (auto url = parse_s3_url(path)) {
    if (url->bucket != bucket_)
      throw UserError("'" + path + "' is in bucket " + url->bucket +
                      ", but this lake's files are in bucket " + bucket_);
    return url->key;
  }
  if (!path.empty() && path.front() == '/')
    throw UserError("'" + path + "' is a local path, but this lake's files are on s3://" + bucket_ + "/" +
                    prefix_);
  return prefix_ + path;
}

std::string S3FileSystem::full_path(const std::string& relative) const {
  return "s3://" + bucket_ + "/" + key_of(relative);
}

bool S3FileSystem::exists(const std::string& relative) const {
  return client_->head(bucket_, key_of(relative)).has_value();
}

std::uint64_t S3FileSystem::size(const std::string& relative) const {
  auto object = client_->head(bucket_, key_of(relative));
  if (!object) throw UserError(full_path(relative) + " does not exist");
  return object->size;
}

void S3FileSystem::remove(const std::string& relative) {
  std::string key = key_of(relative);
  client_->remove(bucket_, key);
  std::error_code ec;
  fs::remove(cache_file(key), ec);
  fs::remove(etag_file(key), ec);
}

void S3FileSystem::create_dirs(const std::string&) {
  // Object stores have no folders: a key's prefix exists once an object has it.
}

std::vector<FileEntry> S3FileSystem::list(const std::string& relative) const {
  std::string prefix = key_of(relative);
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  std::vector<FileEntry> out;
  for (const auto& object : client_->list(bucket_, prefix))
    out.push_back({object.key.substr(prefix.size()), object.size, object.modified, object.etag});
  return out;
}

std::optional<FileEntry> S3FileSystem::stat(const std::string& relative) const {
  auto object = client_->head(bucket_, key_of(relative));
  if (!object) return std::nullopt;
  return FileEntry{relative, object->size, object->modified, object->etag};
}

bool S3FileSystem::folder_exists(const std::string& relative) const {
  std::string prefix = key_of(relative);
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  return !client_->list(bucket_, prefix).empty();
}

std::string S3FileSystem::where() const {
  const std::string& endpoint = client_->config().endpoint;
  return " at " + (endpoint.empty() ? "AWS S3 (" + client_->config().region + ")" : endpoint);
}

void S3FileSystem::check_writable(const std::string& relative) {
  std::string probe = key_of(relative);
  if (!probe.empty() && probe.back() != '/') probe += '/';
  probe += ".pond-write-probe";
  client_->put(bucket_, probe, "");
  client_->remove(bucket_, probe);
}

void S3FileSystem::write_atomic(const std::string& relative, std::string_view content) {
  client_->put(bucket_, key_of(relative), content);  // a PUT is atomic: readers see all or nothing
}

fs::path S3FileSystem::cache_file(const std::string& key) const {
  return cache_dir_ / key;
}
fs::path S3FileSystem::staging_file(const std::string& key) const {
  return staging_dir_ / key;
}
fs::path S3FileSystem::etag_file(const std::string& key) const {
  return etag_dir_ / key;
}

std::string S3FileSystem::cached_etag(const std::string& key) const {
  std::ifstream in(etag_file(key));
  std::stringstream text;
  text << in.rdbuf();
  return in ? text.str() : std::string();
}

void S3FileSystem::remember_etag(const std::string& key, const std::string& etag) {
  fs::path sidecar = etag_file(key);
  fs::create_directories(sidecar.parent_path());
  write_file_atomically(sidecar, etag);
}

LocalCopy S3FileSystem::local_version(const std::string& path, const std::string& etag) {
  std::string key = key_of(path);
  fs::path local = cache_file(key);
  std::error_code ec;
  if (fs::exists(local, ec)) {
    std::string have = cached_etag(key);
    if (!have.empty() && (etag.empty() || have == etag)) {
      fs::last_write_time(local, fs::file_time_type::clock::now(), ec);  // recently used
      return {local.string(), have};
    }
  }
  fs::create_directories(local.parent_path());
  // The sidecar goes first: a crash between the two leaves a copy whose ETag is unknown
  // (downloaded again), never a new copy under the old ETag.
  fs::remove(etag_file(key), ec);
  std::string got = client_->download(bucket_, key, local);
  remember_etag(key, got);
  evict();
  return {local.string(), got};
}

std::string S3FileSystem::local_copy(const std::string& path) {
  std::string key = key_of(path);
  fs::path local = cache_file(key);
  std::error_code ec;
  if (fs::exists(local, ec)) {
    fs::last_write_time(local, fs::file_time_type::clock::now(), ec);  // recently used
    return local.string();
  }
  fs::create_directories(local.parent_path());
  fs::remove(etag_file(key), ec);
  remember_etag(key, client_->download(bucket_, key, local));
  evict();
  return local.string();
}

std::string S3FileSystem::staging_path(const std::string& path) {
  std::string key = key_of(path);
  fs::path local = staging_file(key);
  fs::create_directories(path.ends_with('/') ? local : local.parent_path());
  std::string out = local.string();
  if (path.ends_with('/') && !out.ends_with('/')) out += '/';
  return out;
}

void S3FileSystem::publish(const std::string& path) {
  std::string key = key_of(path);
  fs::path staged = staging_file(key);
  std::string etag = client_->upload(bucket_, key, staged);
  // The uploaded file is the object's content: keep it as the cached copy.
  fs::path cached = cache_file(key);
  fs::create_directories(cached.parent_path());
  std::error_code ec;
  fs::remove(etag_file(key), ec);
  fs::rename(staged, cached, ec);
  if (ec)
    fs::remove(staged, ec);
  else
    remember_etag(key, etag);
  evict();
}

void S3FileSystem::discard_staged(const std::string& path) {
  std::error_code ec;
  fs::remove_all(staging_file(key_of(path)), ec);
}

void S3FileSystem::evict() {
  std::lock_guard lock(cache_mutex_);
  struct Entry {
    fs::path path;
    std::uint64_t size;
    fs::file_time_type used;
  };
  std::vector<Entry> entries;
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(cache_dir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    Entry e{it->path(), it->file_size(ec), it->last_write_time(ec)};
    total += e.size;
    entries.push_back(std::move(e));
  }
  if (total <= cache_bytes_) return;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (const auto& e : entries) {
    if (total <= cache_bytes_) break;
    if (!fs::remove(e.path, ec)) continue;
    total -= e.size;
    fs::remove(etag_dir_ / e.path.lexically_relative(cache_dir_), ec);
  }
}

}  // namespace pond::storage
