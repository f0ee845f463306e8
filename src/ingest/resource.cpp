#include "ingest/resource.hpp"

#include "common/text.hpp"

namespace pond::ingest {

const char* format_name(FileFormat f) {
  switch (f) {
    case FileFormat::kCsv:
      return "csv";
    case FileFormat::kTsv:
      return "tsv";
    case FileFormat::kJsonLines:
      return "jsonl";
    case FileFormat::kJsonArray:
      return "json";
    case FileFormat::kParquet:
      return "parquet";
  }
  return "?";
}

const char* write_name(WriteDisposition w) {
  switch (w) {
    case WriteDisposition::kAppend:
      return "append";
    case WriteDisposition::kReplace:
      return "replace";
    case WriteDisposition::kMerge:
      return "merge";
    case WriteDisposition::kScd2:
      return "scd2";
  }
  return "?";
}

bool ResourceConfig::full_extract() const {
  switch (source) {
    case SourceKind::kFiles:
      return incremental == Incremental::kNone || write == WriteDisposition::kReplace;
    case SourceKind::kRest:
      return !rest.incremental;
    case SourceKind::kPostgres:
      return !postgres.incremental;
    case SourceKind::kDelta:  // merge and scd2 read the files of the versions since the last load
      return write == WriteDisposition::kReplace;
  }
  return false;
}

std::optional<FileFormat> format_of_path(const std::string& path) {
  std::string p = to_lower(path);
  for (const char* ext : {".gz", ".gzip", ".zst", ".zstd"})
    if (p.ends_with(ext)) p = p.substr(0, p.size() - std::string(ext).size());
  if (p.ends_with(".csv")) return FileFormat::kCsv;
  if (p.ends_with(".tsv") || p.ends_with(".tab")) return FileFormat::kTsv;
  if (p.ends_with(".jsonl") || p.ends_with(".ndjson")) return FileFormat::kJsonLines;
  if (p.ends_with(".json")) return FileFormat::kJsonArray;
  if (p.ends_with(".parquet")) return FileFormat::kParquet;
  return std::nullopt;
}

}  // namespace pond::ingest
