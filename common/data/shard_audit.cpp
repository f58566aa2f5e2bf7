#include "common/data/shard_audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/base/error.h"

namespace ptk::data {

namespace {

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

std::string hex_prefix(const uint8_t* data, size_t size, size_t limit) {
  std::string out;
  char byte[4];
  for (size_t i = 0; i < std::min(size, limit); ++i) {
    std::snprintf(byte, sizeof(byte), "%02x", data[i]);
    if (i > 0) out += ' ';
    out += byte;
  }
  if (size > limit) out += " ...";
  return out;
}

std::string int_list(const ConstSpan<int32_t>& values, size_t limit) {
  std::string out = "[";
  for (size_t i = 0; i < std::min(values.size, limit); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(values[i]);
  }
  if (values.size > limit) out += ", ...";
  return out + "]";
}

}  // namespace

std::string inspect_shard_set(const ShardSet& set, size_t shard, uint64_t record) {
  const Manifest& m = set.manifest();
  std::ostringstream out;
  out << "shard set " << set.dir() << "\n"
      << "  kind: " << kind_name(m.kind) << ", format version " << m.version << "\n"
      << "  shards: " << m.shards.size() << ", samples: " << m.num_samples()
      << ", size: " << human_bytes(m.total_bytes()) << "\n";
  if (!m.built_by.empty()) out << "  built by: " << m.built_by << "\n";
  for (const auto& [k, v] : m.attributes) out << "  " << k << ": " << v << "\n";
  for (const auto& [k, v] : m.files) out << "  file " << k << ": " << v << "\n";
  if (shard >= set.num_shards()) {
    throw usage_error("inspect.shard {} out of range: the set has {} shards", shard,
                      set.num_shards());
  }
  const auto shard_reader = set.shard(shard);
  const ShardReader& reader = *shard_reader;
  out << "\nshard " << shard << ": " << m.shards[shard].file << " (" << reader.num_records()
      << " records, " << reader.file_bytes() << " bytes)\n";
  out << "  attributes:\n";
  for (const auto& [k, v] : reader.attributes()) out << "    " << k << " = " << v << "\n";
  out << "  datasets (contiguous, uncompressed):\n";
  char line[256];
  std::snprintf(line, sizeof(line), "    %-18s %-12s %12s %14s %14s\n", "name", "type", "count",
                "file offset", "bytes");
  out << line;
  for (const auto& d : reader.layout()) {
    std::snprintf(line, sizeof(line), "    %-18s %-12s %12llu %14llu %14llu\n", d.name.c_str(),
                  d.type.c_str(), static_cast<unsigned long long>(d.count),
                  static_cast<unsigned long long>(d.file_offset),
                  static_cast<unsigned long long>(d.bytes));
    out << line;
  }
  if (record >= reader.num_records()) {
    throw usage_error("inspect.record {} out of range: shard {} has {} records", record,
                      m.shards[shard].file, reader.num_records());
  }
  const RecordView r = reader.record(record);
  const uint64_t actual = record_checksum(r);
  out << "\nrecord " << record << ":\n";
  if (r.kind == ShardKind::kImage) {
    out << "  key: " << r.key << "\n"
        << "  image bytes: " << r.image_bytes.size << " ["
        << hex_prefix(r.image_bytes.data, r.image_bytes.size, 16) << "]\n"
        << "  labels: " << int_list(r.labels, 32) << "\n";
  } else {
    out << "  tokens: " << r.tokens.size << " " << int_list(r.tokens, 32) << "\n"
        << "  segment b starts at: " << r.b_start << "\n"
        << "  nsp label: " << static_cast<int>(r.nsp_label) << "\n";
  }
  out << "  checksum: " << hex64(r.checksum)
      << (actual == r.checksum ? " (ok)" : " (MISMATCH, computed " + hex64(actual) + ")") << "\n";
  return out.str();
}

VerifyReport verify_shard_set(const ShardSet& set, int jobs) {
  VerifyReport report;
  std::mutex mutex;
  std::atomic<size_t> next{0};
  auto check_shard = [&](size_t i) {
    const ManifestShard& entry = set.manifest().shards[i];
    const std::string path = set.shard_path(i);
    std::vector<std::string> problems;
    uint64_t records = 0;
    uint64_t bytes = 0;
    if (!std::filesystem::exists(path)) {
      problems.push_back(entry.file + ": missing");
    } else {
      const uint64_t size = std::filesystem::file_size(path);
      bytes = size;
      if (size != entry.bytes) {
        problems.push_back(fmt::format("{}: {} bytes, manifest lists {} (truncated or replaced)",
                                       entry.file, size, entry.bytes));
      }
      const uint64_t sum = file_checksum(path);
      if (sum != entry.xxh64) {
        problems.push_back(entry.file + ": file checksum " + hex64(sum) + " differs from " +
                           hex64(entry.xxh64) + " in the manifest");
      }
      try {
        const auto shard_reader = set.shard(i);
        const ShardReader& reader = *shard_reader;
        for (uint64_t r = 0; r < reader.num_records(); ++r) {
          const RecordView view = reader.record(r);
          const uint64_t actual = record_checksum(view);
          if (actual != view.checksum) {
            problems.push_back(fmt::format(
                "{}: record {}{}: checksum mismatch (stored {}, computed {})", entry.file, r,
                view.kind == ShardKind::kImage ? fmt::format(" (key {})", view.key) : std::string(),
                hex64(view.checksum), hex64(actual)));
          }
          ++records;
        }
      } catch (const Error& e) {
        problems.push_back(entry.file + ": cannot be read: " + e.what());
      }
    }
    std::lock_guard<std::mutex> lock(mutex);
    ++report.shards_checked;
    report.records_checked += records;
    report.bytes_checked += bytes;
    report.problems.insert(report.problems.end(), problems.begin(), problems.end());
  };
  auto work = [&] {
    for (size_t i = next++; i < set.num_shards(); i = next++) check_shard(i);
  };
  const int threads = std::max(1, std::min<int>(jobs, static_cast<int>(set.num_shards())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  // Shard files sort by number, so the report reads in shard order whatever the job count.
  std::sort(report.problems.begin(), report.problems.end());
  return report;
}

std::string shard_set_stats(const ShardSet& set, int top, int bins) {
  const Manifest& m = set.manifest();
  std::ostringstream out;
  char line[256];
  out << "shard set " << set.dir() << " (" << kind_name(m.kind) << ")\n";
  std::snprintf(line, sizeof(line), "  %-20s %12s %14s\n", "shard", "samples", "bytes");
  out << line;
  for (const auto& s : m.shards) {
    std::snprintf(line, sizeof(line), "  %-20s %12llu %14llu\n", s.file.c_str(),
                  static_cast<unsigned long long>(s.num_samples),
                  static_cast<unsigned long long>(s.bytes));
    out << line;
  }
  out << "  total: " << m.num_samples() << " samples in " << m.shards.size() << " shards, "
      << human_bytes(m.total_bytes()) << "\n";

  std::map<int32_t, uint64_t> label_counts;
  std::map<uint64_t, uint64_t> labels_per_sample;
  std::vector<uint64_t> lengths;  // image bytes or token counts
  uint64_t payload = 0;
  for (size_t i = 0; i < set.num_shards(); ++i) {
    const auto shard_reader = set.shard(i);
    const ShardReader& reader = *shard_reader;
    for (uint64_t r = 0; r < reader.num_records(); ++r) {
      const RecordView view = reader.record(r);
      payload += view.payload_bytes();
      if (view.kind == ShardKind::kImage) {
        lengths.push_back(view.image_bytes.size);
        for (int32_t label : view.labels) ++label_counts[label];
        ++labels_per_sample[view.labels.size];
      } else {
        lengths.push_back(view.tokens.size);
      }
    }
  }
  if (lengths.empty()) return out.str();
  std::sort(lengths.begin(), lengths.end());
  const char* unit = m.kind == ShardKind::kImage ? "image bytes" : "tokens";
  out << "  payload: " << human_bytes(payload) << "; " << unit << " per record: min "
      << lengths.front() << ", median " << lengths[lengths.size() / 2] << ", max " << lengths.back()
      << "\n";

  if (m.kind == ShardKind::kImage) {
    out << "\nlabels: " << label_counts.size() << " distinct\n";
    std::vector<std::pair<uint64_t, int32_t>> by_count;
    for (const auto& [label, count] : label_counts) by_count.push_back({count, label});
    std::sort(by_count.begin(), by_count.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    out << "  most frequent (label: samples):\n";
    for (size_t i = 0; i < std::min<size_t>(by_count.size(), std::max(0, top)); ++i) {
      std::snprintf(line, sizeof(line), "    %10d: %llu\n", by_count[i].second,
                    static_cast<unsigned long long>(by_count[i].first));
      out << line;
    }
    out << "  labels per image (labels: samples):\n";
    for (const auto& [n, count] : labels_per_sample) {
      std::snprintf(line, sizeof(line), "    %10llu: %llu\n", static_cast<unsigned long long>(n),
                    static_cast<unsigned long long>(count));
      out << line;
    }
  } else {
    bins = std::max(1, bins);
    const uint64_t lo = lengths.front();
    const uint64_t hi = lengths.back();
    const uint64_t width = std::max<uint64_t>(
        1, (hi - lo + static_cast<uint64_t>(bins)) / static_cast<uint64_t>(bins));
    std::map<uint64_t, uint64_t> histogram;
    for (uint64_t length : lengths) ++histogram[(length - lo) / width];
    out << "\nsequence length histogram (tokens: samples):\n";
    for (const auto& [bin, count] : histogram) {
      const uint64_t begin = lo + bin * width;
      std::snprintf(
          line, sizeof(line), "  [%6llu, %6llu): %llu\n", static_cast<unsigned long long>(begin),
          static_cast<unsigned long long>(begin + width), static_cast<unsigned long long>(count));
      out << line;
    }
  }
  return out.str();
}

}  // namespace ptk::data
