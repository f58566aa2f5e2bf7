// The wsl training data path at scale, in two measurements:
//
//   data_path_bench memory   [--dir DIR] [--samples 100000,10000000] [--classes 17000]
//                            [--max-open 16]
//   data_path_bench locality [--dir DIR] [--mb 2048] [--reads 3000] [--threads 2]
//
// memory: per-rank resident memory of opening a synthetic hashtag set (tiny records, 1-3
// Zipf-distributed classes each, 10,000 records per shard), building the sqrt-resampled epoch
// order and loading 100 batches of 256 records' labels, for each sample count, in a fresh
// process each (peak RSS from getrusage). Next to it the per-sample route the toolkit used
// before (every record's labels read at start, then per-sample weights and their cumulative
// sums, as torch.utils.data.WeightedRandomSampler also keeps).
//
// locality: records of ~110 KB (an ImageNet JPEG) in 64 MB shards, read cold (every shard's
// pages dropped from the page cache with posix_fadvise DONTNEED before each order) through the
// data::Loader in the order a run would read them: the global shuffle, shard windows of 4
// (natural resampling with data.shard_locality=4), sqrt two-step draws, and sqrt draws in runs of
// 32 and of 512 from one shard (data.shard_locality=32, 512). Shard-local orders read each
// shard ahead whole.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench/reference_script.h"
#include "common/data/loader.h"
#include "common/data/philox.h"
#include "common/data/shard_reader.h"
#include "common/data/shard_writer.h"
#include "vision/hashtags/resampling.h"
#include "vision/hashtags/shard_resampling.h"

namespace {

namespace fs = std::filesystem;
using namespace ptk;

std::string flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (name == argv[i]) return argv[i + 1];
  }
  return fallback;
}

std::vector<uint64_t> numbers(const std::string& text) {
  std::vector<uint64_t> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t comma = text.find(',', start);
    out.push_back(std::stoull(text.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Class ids 1-3 per record, Zipf-like over `classes` (class c drawn with probability ~ 1/(c+1)).
std::vector<int32_t> zipf_labels(uint64_t record, uint64_t classes) {
  data::SampleRng rng(42, 0, record);
  const int count = 1 + static_cast<int>(rng.uniform_int(3));
  const double log_n = std::log(static_cast<double>(classes) + 1.0);
  std::vector<int32_t> labels;
  for (int k = 0; k < count; ++k) {
    const auto c = static_cast<int32_t>(std::exp(rng.uniform_double() * log_n) - 1.0);
    if (std::find(labels.begin(), labels.end(), c) == labels.end()) labels.push_back(c);
  }
  return labels;
}

// A hashtag set as ptk-wsl prepare leaves it: shards, and the resampling summary in the manifest.
void write_hashtag_set(const std::string& dir, uint64_t samples, uint64_t classes,
                       uint64_t record_bytes, uint64_t shard_records, uint64_t shard_bytes) {
  if (fs::exists(dir + "/manifest.yaml")) return;
  data::ShardWriterOptions o;
  o.dir = dir;
  o.max_shard_records = shard_records;
  o.max_shard_bytes = shard_bytes;
  o.built_by = "data_path_bench";
  o.write_manifest = true;
  data::ShardSetWriter writer(o);
  data::ImageRecord r;
  for (uint64_t i = 0; i < samples; ++i) {
    data::SampleRng rng(7, 1, i);
    r.bytes.resize(record_bytes);
    for (size_t k = 0; k < r.bytes.size(); k += 8) {
      const uint64_t word = rng.next_u64();
      std::memcpy(r.bytes.data() + k, &word, std::min<size_t>(8, r.bytes.size() - k));
    }
    r.labels = zipf_labels(i, classes);
    r.key = fmt::format("img-{}", i);
    writer.add(r);
  }
  data::Manifest manifest = writer.finish();
  const data::ShardSet set(dir);
  vision::ResamplingSummary::compute(set, classes, 2)
      .write_tsv(dir + "/" + vision::kResamplingFile);
  manifest.files[vision::kResamplingFileRole] = vision::kResamplingFile;
  manifest.save(dir);
}

// Reads `batches` global batches of `batch` records through the Loader; returns records read.
uint64_t load(std::shared_ptr<const data::ShardSet> set, const data::EpochOrder& order,
              uint64_t batches, uint64_t batch, int threads, uint64_t* bytes) {
  data::LoaderOptions o;
  o.global_batch = batch;
  o.threads = threads;
  o.end_epoch = 0;
  auto decode = [](const data::RecordView& r, data::SampleRng&) {
    // What a decoder's input costs: every byte of the record is touched.
    uint64_t sum = 0;
    for (size_t i = 0; i < r.image_bytes.size; i += 512) sum += r.image_bytes.data[i];
    return std::make_pair(r.image_bytes.size + r.labels.size, sum);
  };
  data::Loader<std::pair<uint64_t, uint64_t>> loader(set, order, o, decode);
  uint64_t records = 0;
  for (uint64_t b = 0; b < batches; ++b) {
    const auto next = loader.next();
    for (const auto& sample : next->samples) *bytes += sample.first;
    records += next->samples.size();
  }
  return records;
}

// One fresh process per measurement: prints "rss_kb=... seconds=...".
int measure_memory(const std::string& dir, uint64_t classes, bool per_sample, size_t max_open) {
  const auto start = std::chrono::steady_clock::now();
  auto set = std::make_shared<const data::ShardSet>(dir, max_open);
  std::unique_ptr<data::EpochOrder> order;
  if (per_sample) {
    std::vector<std::vector<int32_t>> labels;
    labels.reserve(set->num_samples());
    for (size_t s = 0; s < set->num_shards(); ++s) {
      const auto shard = set->shard(s);
      for (uint64_t i = 0; i < shard->num_records(); ++i) {
        const auto record = shard->record(i);
        labels.emplace_back(record.labels.begin(), record.labels.end());
      }
    }
    const std::vector<uint64_t> counts = vision::class_counts(labels, classes);
    order = std::make_unique<data::EpochOrder>(data::EpochOrder::weighted(
        vision::resampling_weights(labels, counts, vision::Resampling::kSquareRoot), 1,
        set->num_samples()));
  } else {
    const vision::ResamplingSummary summary = vision::load_resampling_summary(*set, classes, 2);
    order = std::make_unique<data::EpochOrder>(vision::hashtag_epoch_order(
        set, &summary, vision::Resampling::kSquareRoot, 1, set->num_samples(), 0));
  }
  uint64_t bytes = 0;
  load(set, *order, 100, 256, 2, &bytes);
  std::printf("measured: rss_kb=%ld seconds=%.2f\n", peak_rss_kb(), seconds_since(start));
  return 0;
}

std::string run_child(const std::string& self, const std::vector<std::string>& args) {
  std::string command = self;
  for (const auto& a : args) command += " " + a;
  return bench::run_command(command);
}

int memory(int argc, char** argv) {
  const std::string dir = flag(argc, argv, "--dir", "/tmp/ptk-data-path-bench");
  const uint64_t classes = std::stoull(flag(argc, argv, "--classes", "17000"));
  const std::string max_open = flag(argc, argv, "--max-open", "16");
  std::printf("data.max_open_shards=%s, 10,000 records per shard, %llu classes\n\n",
              max_open.c_str(), static_cast<unsigned long long>(classes));
  std::printf(
      "| samples | shards | two-step (per-shard summary) peak RSS | per-sample weights "
      "peak RSS | two-step start + 100 batches |\n|---|---|---|---|---|\n");
  for (uint64_t samples : numbers(flag(argc, argv, "--samples", "100000,10000000"))) {
    const std::string set = fmt::format("{}/memory-{}", dir, samples);
    const auto start = std::chrono::steady_clock::now();
    write_hashtag_set(set, samples, classes, 16, 10000, 0);
    std::fprintf(stderr, "wrote %s in %.0f s\n", set.c_str(), seconds_since(start));
    const std::string two_step =
        run_child(argv[0], {"measure-memory", "--dir", set, "--classes", std::to_string(classes),
                            "--max-open", max_open});
    const std::string flat =
        run_child(argv[0], {"measure-memory", "--dir", set, "--classes", std::to_string(classes),
                            "--max-open", max_open, "--per-sample", "1"});
    std::printf(
        "| %llu | %zu | %.1f MB | %.1f MB | %.2f s |\n", static_cast<unsigned long long>(samples),
        data::ShardSet(set).num_shards(), bench::reported_value(two_step, "rss_kb") / 1024.0,
        bench::reported_value(flat, "rss_kb") / 1024.0, bench::reported_value(two_step, "seconds"));
    std::fflush(stdout);
  }
  return 0;
}

void drop_from_page_cache(const data::ShardSet& set) {
  for (size_t s = 0; s < set.num_shards(); ++s) {
    const int fd = ::open(set.shard_path(s).c_str(), O_RDONLY);
    if (fd < 0) continue;
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

int locality(int argc, char** argv) {
  const std::string dir = flag(argc, argv, "--dir", "/tmp/ptk-data-path-bench");
  const uint64_t mb = std::stoull(flag(argc, argv, "--mb", "2048"));
  const uint64_t reads = std::stoull(flag(argc, argv, "--reads", "3000"));
  const int threads = std::stoi(flag(argc, argv, "--threads", "2"));
  const uint64_t record_bytes = 110000;
  const uint64_t samples = (mb << 20) / record_bytes;
  const std::string path = fmt::format("{}/locality-{}mb", dir, mb);
  write_hashtag_set(path, samples, 1000, record_bytes, 0, 64ull << 20);
  const data::ShardSet probe(path);
  const vision::ResamplingSummary summary = vision::load_resampling_summary(probe, 1000, 2);
  std::printf(
      "%llu records of %llu bytes in %zu shards (%llu MB), %llu cold reads per order, "
      "%d loader threads\n\n| order | records/s | MB/s | shard opens |\n|---|---|---|---|\n",
      static_cast<unsigned long long>(samples), static_cast<unsigned long long>(record_bytes),
      probe.num_shards(), static_cast<unsigned long long>(mb),
      static_cast<unsigned long long>(reads), threads);
  struct Case {
    const char* name;
    vision::Resampling mode;
    uint64_t locality;
  };
  for (const Case& c :
       {Case{"global shuffle (natural)", vision::Resampling::kNatural, 0},
        Case{"shard windows of 4 (natural, shard_locality=4)", vision::Resampling::kNatural, 4},
        Case{"sqrt two-step draws", vision::Resampling::kSquareRoot, 0},
        Case{"sqrt runs of 32 (shard_locality=32)", vision::Resampling::kSquareRoot, 32},
        Case{"sqrt runs of 512 (shard_locality=512)", vision::Resampling::kSquareRoot, 512}}) {
    auto set =
        std::make_shared<const data::ShardSet>(path, data::kDefaultMaxOpenShards, c.locality > 0);
    drop_from_page_cache(*set);
    const data::EpochOrder order =
        vision::hashtag_epoch_order(set, &summary, c.mode, 3, samples, c.locality);
    uint64_t bytes = 0;
    const auto start = std::chrono::steady_clock::now();
    const uint64_t records = load(set, order, reads / 64, 64, threads, &bytes);
    const double s = seconds_since(start);
    std::printf("| %s | %.0f | %.1f | %llu |\n", c.name, records / s, bytes / s / 1e6,
                static_cast<unsigned long long>(set->shard_opens()));
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string verb = argc > 1 ? argv[1] : "";
  try {
    if (verb == "memory") return memory(argc, argv);
    if (verb == "locality") return locality(argc, argv);
    if (verb == "measure-memory") {
      return measure_memory(flag(argc, argv, "--dir", ""),
                            std::stoull(flag(argc, argv, "--classes", "17000")),
                            flag(argc, argv, "--per-sample", "0") == "1",
                            std::stoull(flag(argc, argv, "--max-open", "16")));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "data_path_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: data_path_bench memory [--dir DIR] [--samples N,N] [--classes C] "
               "[--max-open N]\n"
               "       data_path_bench locality [--dir DIR] [--mb MB] [--reads N] [--threads T]\n");
  return 2;
}
