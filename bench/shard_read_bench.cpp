// Shard read throughput: pretrainkit's memory-mapped reader against h5py reading the same
// records (bench/shard_read_reference.py), from a warm page cache, with 1 and 2 threads, for an
// image and a token shard set. Writes the synthetic sets itself.
//
//   shard_read_bench [--dir DIR] [--image-records N] [--token-records N]
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/reference_script.h"
#include "common/data/philox.h"
#include "common/data/shard_reader.h"
#include "common/data/shard_writer.h"

namespace {

using namespace ptk::data;

struct Result {
  double records_per_s = 0;
  double mb_per_s = 0;
};

void write_sets(const std::string& dir, uint64_t image_records, uint64_t token_records) {
  // Images ~110 KB (a typical ImageNet JPEG), tokens 128 per sequence (BERT phase 1).
  ShardWriterOptions image;
  image.dir = dir + "/image";
  image.kind = ShardKind::kImage;
  image.max_shard_bytes = 64ull << 20;
  image.built_by = "shard_read_bench";
  ShardSetWriter images(image);
  for (uint64_t i = 0; i < image_records; ++i) {
    SampleRng rng(1, 0, i);
    ImageRecord r;
    r.bytes.resize(80000 + rng.uniform_int(60000));
    for (auto& b : r.bytes) b = static_cast<uint8_t>(rng.next_u32());
    for (int k = 0; k < 3; ++k) r.labels.push_back(static_cast<int32_t>(rng.uniform_int(17000)));
    r.key = fmt::format("img-{}", i);
    images.add(r);
  }
  images.finish();

  ShardWriterOptions token = image;
  token.dir = dir + "/token";
  token.kind = ShardKind::kToken;
  ShardSetWriter tokens(token);
  for (uint64_t i = 0; i < token_records; ++i) {
    SampleRng rng(2, 0, i);
    TokenRecord r;
    r.tokens.resize(128);
    for (auto& t : r.tokens) t = static_cast<int32_t>(rng.uniform_int(30522));
    r.b_start = 64;
    r.nsp_label = static_cast<int8_t>(i % 2);
    tokens.add(r);
  }
  tokens.finish();
}

// Reads every record once, copying its payload out of the map (what a decoder's input costs).
Result read_all(const ShardSet& set, int threads) {
  const uint64_t n = set.num_samples();
  for (size_t s = 0; s < set.num_shards(); ++s) set.shard(s);  // open outside the timing
  std::vector<uint64_t> bytes(threads, 0);
  auto work = [&](int t) {
    std::vector<uint8_t> buffer;
    uint64_t local = 0;  // summed per thread: no false sharing on bytes[]
    for (uint64_t i = static_cast<uint64_t>(t); i < n; i += static_cast<uint64_t>(threads)) {
      const SampleLocation at = set.locate(i);
      const auto shard = set.shard(at.shard);
      const RecordView r = shard->record(at.record);
      if (r.kind == ShardKind::kImage) {
        buffer.assign(r.image_bytes.begin(), r.image_bytes.end());
        buffer.insert(buffer.end(), reinterpret_cast<const uint8_t*>(r.labels.begin()),
                      reinterpret_cast<const uint8_t*>(r.labels.end()));
      } else {
        buffer.assign(reinterpret_cast<const uint8_t*>(r.tokens.begin()),
                      reinterpret_cast<const uint8_t*>(r.tokens.end()));
      }
      local += buffer.size();
    }
    bytes[t] = local;
  };
  auto run = [&] {
    std::fill(bytes.begin(), bytes.end(), 0);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  run();  // warm the page cache and the mappings
  // Whole passes until at least half a second has been measured, so thread start-up and timer
  // resolution do not dominate a fast pass.
  double seconds = 0;
  uint64_t total = 0;
  uint64_t passes = 0;
  while (seconds < 0.5) {
    seconds += run();
    for (uint64_t b : bytes) total += b;
    ++passes;
  }
  return {static_cast<double>(n * passes) / seconds, static_cast<double>(total) / seconds / 1e6};
}

Result run_reference(const std::string& dir, int threads) {
  const std::string output = ptk::bench::run_reference_script("shard_read_reference.py",
                                                              fmt::format("{} {}", dir, threads));
  Result result;
  result.records_per_s = ptk::bench::reported_value(output, "records_per_s");
  result.mb_per_s = ptk::bench::reported_value(output, "mb_per_s");
  if (result.records_per_s < 0 || result.mb_per_s < 0) {
    std::fprintf(stderr, "reference failed: %s\n", output.c_str());
    return Result{};
  }
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  uint64_t image_records = 1200;
  uint64_t token_records = 200000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--dir")
      dir = argv[i + 1];
    else if (flag == "--image-records")
      image_records = std::stoull(argv[i + 1]);
    else if (flag == "--token-records")
      token_records = std::stoull(argv[i + 1]);
    else {
      std::fprintf(stderr,
                   "usage: shard_read_bench [--dir DIR] [--image-records N] "
                   "[--token-records N]\n");
      return 2;
    }
  }
  const bool own_dir = dir.empty();
  if (own_dir) dir = (std::filesystem::temp_directory_path() / "ptk-shard-read-bench").string();
  try {
    write_sets(dir, image_records, token_records);
    std::printf("%-6s %7s %14s %10s %14s %10s %8s\n", "set", "threads", "ptk records/s", "ptk MB/s",
                "h5py records/s", "h5py MB/s", "ratio");
    for (const char* kind : {"image", "token"}) {
      const ShardSet set(dir + "/" + kind);
      for (int threads : {1, 2}) {
        const Result ptk = read_all(set, threads);
        const Result ref = run_reference(set.dir(), threads);
        std::printf("%-6s %7d %14.0f %10.1f %14.0f %10.1f %7.1fx\n", kind, threads,
                    ptk.records_per_s, ptk.mb_per_s, ref.records_per_s, ref.mb_per_s,
                    ref.records_per_s > 0 ? ptk.records_per_s / ref.records_per_s : 0.0);
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shard_read_bench: error: %s\n", e.what());
    return 1;
  }
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
