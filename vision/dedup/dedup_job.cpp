#include "vision/dedup/dedup_job.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <set>
#include <tuple>

#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "common/data/shard_reader.h"
#include "common/io/atomic_file.h"
#include "common/io/staged_directory.h"
#include "vision/datasets/imagenet_folder.h"
#include "vision/dedup/image_descriptor.h"
#include "vision/dedup/nearest_images.h"
#include "vision/transforms/image_decoder.h"

namespace fs = std::filesystem;

namespace ptk::vision {
namespace {

// A thumbnail needs no more than this: JPEGs are decoded at the smallest DCT scale that keeps
// both sides at least this long.
constexpr int kDecodeSide = 64;

struct Unreadable {
  std::string source;  // "eval" or the shard file
  std::string name;    // the image path or the record key
  std::string error;
};

// What both passes record about unreadable images, from several threads.
class UnreadableList {
 public:
  void add(Unreadable entry) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.push_back(std::move(entry));
  }
  std::vector<Unreadable> sorted() const {
    std::vector<Unreadable> entries = entries_;
    std::sort(entries.begin(), entries.end(), [](const Unreadable& a, const Unreadable& b) {
      return std::tie(a.source, a.name) < std::tie(b.source, b.name);
    });
    return entries;
  }

 private:
  std::mutex mutex_;
  std::vector<Unreadable> entries_;
};

std::vector<std::string> list_eval_images(const std::vector<std::string>& folders) {
  std::vector<std::string> images;
  for (const std::string& folder : folders) {
    if (!fs::is_directory(folder)) {
      throw usage_error("dedup.eval: '{}' is not a folder of evaluation images", folder);
    }
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      if (entry.is_regular_file() && is_image_file_name(entry.path().filename().string())) {
        images.push_back(entry.path().string());
      }
    }
  }
  std::sort(images.begin(), images.end());
  return images;
}

// The descriptors of the readable evaluation images, and which images they are.
struct EvalSet {
  std::vector<std::string> images;
  std::vector<float> descriptors;  // images.size() rows
};

EvalSet describe_eval_images(const std::vector<std::string>& files, int threads,
                             UnreadableList& unreadable) {
  std::vector<std::vector<float>> rows(files.size());
  parallel_for(static_cast<int64_t>(files.size()), threads, [&](int64_t i) {
    const std::string& file = files[static_cast<size_t>(i)];
    try {
      const std::string bytes = io::read_file(file);
      const Image image = decode_image(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                       file, kDecodeSide, kDecodeSide);
      rows[static_cast<size_t>(i)] = image_descriptor(image);
    } catch (const Error& e) {
      unreadable.add({"eval", file, e.what()});
    }
  });
  EvalSet set;
  for (size_t i = 0; i < files.size(); ++i) {
    if (rows[i].empty()) continue;
    set.images.push_back(files[i]);
    set.descriptors.insert(set.descriptors.end(), rows[i].begin(), rows[i].end());
  }
  return set;
}

struct Duplicate {
  std::string key;
  std::string shard;
  uint64_t index = 0;
  int64_t eval_image = 0;
  float similarity = 0;
  bool flipped = false;
};

// One batch of training records: their descriptors (and the mirror images'), searched together.
struct RecordBatch {
  std::vector<std::string> keys;
  std::vector<uint64_t> indices;
  std::vector<std::vector<float>> rows;  // empty for an unreadable record
};

RecordBatch describe_records(const data::ShardReader& shard, uint64_t first, uint64_t count,
                             int threads, UnreadableList& unreadable) {
  RecordBatch batch;
  batch.keys.resize(count);
  batch.indices.resize(count);
  batch.rows.resize(count);
  const std::string shard_name = fs::path(shard.path()).filename().string();
  parallel_for(static_cast<int64_t>(count), threads, [&](int64_t i) {
    const auto slot = static_cast<size_t>(i);
    const data::RecordView record = shard.record(first + slot);
    batch.keys[slot] = std::string(record.key);
    batch.indices[slot] = first + slot;
    try {
      const Image image = decode_image(record.image_bytes.data, record.image_bytes.size,
                                       batch.keys[slot], kDecodeSide, kDecodeSide);
      batch.rows[slot] = image_descriptor(image);
    } catch (const Error& e) {
      unreadable.add({shard_name, batch.keys[slot], e.what()});
    }
  });
  return batch;
}

// The nearest evaluation image of each readable record of the batch, as it is and mirrored.
void search_batch(const RecordBatch& batch, const std::string& shard_name,
                  const NearestImages& index, double threshold, DedupSummary& summary,
                  std::vector<Duplicate>& duplicates) {
  std::vector<float> queries;
  std::vector<size_t> readable;
  for (size_t i = 0; i < batch.rows.size(); ++i) {
    if (batch.rows[i].empty()) continue;
    readable.push_back(i);
    queries.insert(queries.end(), batch.rows[i].begin(), batch.rows[i].end());
    const std::vector<float> mirror = flipped_descriptor(batch.rows[i]);
    queries.insert(queries.end(), mirror.begin(), mirror.end());
  }
  const std::vector<Nearest> nearest = index.search(queries);
  for (size_t r = 0; r < readable.size(); ++r) {
    const Nearest& as_is = nearest[2 * r];
    const Nearest& mirrored = nearest[2 * r + 1];
    const bool flipped = mirrored.similarity > as_is.similarity;
    const Nearest& best = flipped ? mirrored : as_is;
    summary.histogram.add(best.similarity);
    if (best.index < 0 || best.similarity < threshold) continue;
    const size_t i = readable[r];
    duplicates.push_back(
        {batch.keys[i], shard_name, batch.indices[i], best.index, best.similarity, flipped});
  }
}

std::vector<Duplicate> search_training_set(const DedupOptions& options, const NearestImages& index,
                                           DedupSummary& summary, UnreadableList& unreadable) {
  const data::ShardSet set(options.shards);
  if (set.kind() != data::ShardKind::kImage) {
    throw usage_error("dedup.shards: '{}' is not an image shard set", options.shards);
  }
  std::vector<Duplicate> duplicates;
  const auto batch_size = static_cast<uint64_t>(options.batch);
  for (size_t s = 0; s < set.num_shards(); ++s) {
    const std::shared_ptr<const data::ShardReader> shard = set.shard(s);
    const std::string shard_name = set.manifest().shards[s].file;
    for (uint64_t first = 0; first < shard->num_records(); first += batch_size) {
      const uint64_t count = std::min(batch_size, shard->num_records() - first);
      const RecordBatch batch = describe_records(*shard, first, count, options.threads, unreadable);
      summary.records += static_cast<int64_t>(count);
      search_batch(batch, shard_name, index, options.threshold, summary, duplicates);
    }
  }
  return duplicates;
}

std::string tsv_field(std::string text) {
  std::replace(text.begin(), text.end(), '\t', ' ');
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

void write_outputs(const std::string& dir, const std::vector<Duplicate>& duplicates,
                   const EvalSet& eval, const std::vector<Unreadable>& unreadable,
                   const DedupSummary& summary) {
  std::string table = "key\tshard\tindex\teval_image\tsimilarity\tflipped\n";
  std::string exclusions;
  std::set<std::string> excluded;
  for (const Duplicate& d : duplicates) {
    table += fmt::format("{}\t{}\t{}\t{}\t{:.4f}\t{}\n", tsv_field(d.key), d.shard, d.index,
                         eval.images[static_cast<size_t>(d.eval_image)], d.similarity,
                         d.flipped ? "yes" : "no");
    if (excluded.insert(d.key).second) exclusions += d.key + "\n";
  }
  std::string unreadable_table = "source\tname\terror\n";
  for (const Unreadable& u : unreadable) {
    unreadable_table +=
        fmt::format("{}\t{}\t{}\n", u.source, tsv_field(u.name), tsv_field(u.error));
  }
  io::write_file_atomic((fs::path(dir) / "duplicates.tsv").string(), table);
  io::write_file_atomic((fs::path(dir) / "exclusions.txt").string(), exclusions);
  io::write_file_atomic((fs::path(dir) / "unreadable.tsv").string(), unreadable_table);
  io::write_file_atomic((fs::path(dir) / "summary.txt").string(), summary.text());
}

}  // namespace

void SimilarityHistogram::add(double similarity) {
  for (size_t i = counts.size(); i-- > 0;) {
    if (similarity >= edges[i]) {
      ++counts[i];
      return;
    }
  }
  ++counts.front();  // below the first edge: with the lowest
}

std::string DedupSummary::text() const {
  std::string text = fmt::format(
      "ptk-wsl dedup: {} evaluation images ({} unreadable), {} training records ({} "
      "unreadable); {} records at cosine similarity >= {} to an evaluation image ({} of them "
      "mirrored), the nearest to {} evaluation images; {} search. Written to {}.\n"
      "Nearest-evaluation-image similarity of the training records:\n",
      eval_images, eval_unreadable, records, records_unreadable, duplicates, threshold,
      flipped_duplicates, eval_images_with_copy, exact_search ? "exact" : "approximate (IVF)", out);
  for (size_t i = 0; i < histogram.counts.size(); ++i) {
    const std::string upper =
        i + 1 < histogram.edges.size() ? fmt::format("{:.3f})", histogram.edges[i + 1]) : "1]";
    text += fmt::format("  [{:.3f}, {:<7} {}\n", histogram.edges[i], upper, histogram.counts[i]);
  }
  return text;
}

DedupSummary run_dedup(const DedupOptions& options) {
  if (!(options.threshold > 0.0 && options.threshold <= 1.0)) {
    throw usage_error("dedup.threshold must be in (0, 1], got {}", options.threshold);
  }
  DedupSummary summary;
  summary.threshold = options.threshold;
  summary.out = options.out;
  summary.histogram.edges = {-1.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999};
  summary.histogram.counts.assign(summary.histogram.edges.size(), 0);
  UnreadableList unreadable;
  const std::vector<std::string> files = list_eval_images(options.eval);
  const EvalSet eval = describe_eval_images(files, options.threads, unreadable);
  summary.eval_images = static_cast<int64_t>(files.size());
  summary.eval_unreadable = static_cast<int64_t>(files.size() - eval.images.size());
  const NearestImages index(kImageDescriptorSize, eval.descriptors, options.approximate_above);
  summary.exact_search = index.exact();

  io::StagedDirectory staged(options.out);
  const std::vector<Duplicate> duplicates =
      search_training_set(options, index, summary, unreadable);
  std::set<int64_t> copied;
  for (const Duplicate& d : duplicates) {
    copied.insert(d.eval_image);
    summary.flipped_duplicates += d.flipped;
  }
  summary.duplicates = static_cast<int64_t>(duplicates.size());
  summary.eval_images_with_copy = static_cast<int64_t>(copied.size());
  const std::vector<Unreadable> unreadable_list = unreadable.sorted();
  summary.records_unreadable =
      static_cast<int64_t>(unreadable_list.size()) - summary.eval_unreadable;
  write_outputs(staged.path(), duplicates, eval, unreadable_list, summary);
  staged.commit();
  return summary;
}

}  // namespace ptk::vision
