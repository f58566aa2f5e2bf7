#include "vision/dedup/dedup_job.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <tuple>

#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "common/data/shard_reader.h"
#include "common/dist/job_ranks.h"
#include "common/io/atomic_file.h"
#include "common/io/staged_directory.h"
#include "vision/datasets/imagenet_folder.h"
#include "vision/dedup/dedup_partials.h"
#include "vision/dedup/image_embedder.h"
#include "vision/dedup/nearest_images.h"

namespace fs = std::filesystem;

namespace ptk::vision {
namespace {

const std::vector<double> kHistogramEdges = {-1.0, 0.5,  0.7,  0.8,   0.9,  0.95,
                                             0.97, 0.98, 0.99, 0.995, 0.999};

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

void append(Embeddings& to, Embeddings&& from) {
  to.rows.insert(to.rows.end(), from.rows.begin(), from.rows.end());
  to.errors.insert(to.errors.end(), std::make_move_iterator(from.errors.begin()),
                   std::make_move_iterator(from.errors.end()));
}

// The vectors of `files`, read on `threads` threads and embedded `batch` at a time; a file that
// cannot be read has a zero row and its error, as an undecodable one has.
Embeddings embed_files(const std::vector<std::string>& files, const ImageEmbedder& embedder,
                       int threads, size_t batch) {
  Embeddings all;
  for (size_t begin = 0; begin < files.size(); begin += batch) {
    const size_t count = std::min(batch, files.size() - begin);
    std::vector<std::string> bytes(count), read_errors(count);
    parallel_for(static_cast<int64_t>(count), threads, [&](int64_t i) {
      try {
        bytes[static_cast<size_t>(i)] = io::read_file(files[begin + static_cast<size_t>(i)]);
      } catch (const Error& e) {
        read_errors[static_cast<size_t>(i)] = e.what();
      }
    });
    std::vector<EncodedImage> images;
    for (size_t i = 0; i < count; ++i) {
      images.push_back(
          {reinterpret_cast<const uint8_t*>(bytes[i].data()), bytes[i].size(), files[begin + i]});
    }
    Embeddings part = embedder.embed(images, /*with_mirror=*/false);
    for (size_t i = 0; i < count; ++i) {
      if (!read_errors[i].empty()) part.errors[i] = read_errors[i];
    }
    append(all, std::move(part));
  }
  return all;
}

// The evaluation images this rank embeds: every world-th, from its rank on.
std::vector<std::string> slice_of_rank(const std::vector<std::string>& files,
                                       const dist::JobRanks& ranks) {
  std::vector<std::string> slice;
  for (size_t i = static_cast<size_t>(ranks.rank()); i < files.size();
       i += static_cast<size_t>(ranks.world())) {
    slice.push_back(files[i]);
  }
  return slice;
}

size_t slice_size(size_t files, int rank, int world) {
  const auto r = static_cast<size_t>(rank);
  return files > r ? (files - r + static_cast<size_t>(world) - 1) / static_cast<size_t>(world) : 0;
}

// The readable evaluation images, in file order, and their vectors.
struct EvalSet {
  std::vector<std::string> images;
  std::vector<float> vectors;  // images.size() rows
  std::vector<Unreadable> unreadable;
};

// Reassembles every rank's slice in file order.
EvalSet gather_eval_set(const std::vector<std::string>& files, const std::string& parts_dir,
                        int world, int dim) {
  std::vector<Embeddings> slices;
  for (int r = 0; r < world; ++r) {
    slices.push_back(read_eval_slice(parts_dir, r, slice_size(files.size(), r, world), dim));
  }
  EvalSet set;
  const auto width = static_cast<size_t>(dim);
  for (size_t i = 0; i < files.size(); ++i) {
    const Embeddings& slice = slices[i % static_cast<size_t>(world)];
    const size_t position = i / static_cast<size_t>(world);
    if (!slice.errors[position].empty()) {
      set.unreadable.push_back({"eval", files[i], slice.errors[position]});
      continue;
    }
    set.images.push_back(files[i]);
    const auto row = slice.rows.begin() + static_cast<std::ptrdiff_t>(position * width);
    set.vectors.insert(set.vectors.end(), row, row + static_cast<std::ptrdiff_t>(width));
  }
  return set;
}

// Records [first, first + count) of a shard, embedded as they are and mirrored, then searched.
void search_records(const data::ShardReader& shard, size_t shard_position,
                    const std::string& shard_name, uint64_t first, uint64_t count,
                    const ImageEmbedder& embedder, const NearestImages& index, double threshold,
                    SimilarityHistogram& histogram, RankFindings& findings) {
  std::vector<EncodedImage> images;
  std::vector<std::string> keys;
  for (uint64_t i = first; i < first + count; ++i) {
    const data::RecordView record = shard.record(i);
    keys.emplace_back(record.key);
    images.push_back({record.image_bytes.data, record.image_bytes.size, keys.back()});
  }
  const Embeddings embedded = embedder.embed(images, /*with_mirror=*/true);
  const auto dim = static_cast<size_t>(embedder.dim());
  std::vector<float> queries;
  std::vector<size_t> readable;
  for (size_t i = 0; i < count; ++i) {
    if (!embedded.errors[i].empty()) {
      findings.unreadable.push_back({shard_name, keys[i], embedded.errors[i]});
      continue;
    }
    readable.push_back(i);
    for (const std::vector<float>* rows : {&embedded.rows, &embedded.mirrored}) {
      queries.insert(queries.end(), rows->begin() + static_cast<std::ptrdiff_t>(i * dim),
                     rows->begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
    }
  }
  const std::vector<Nearest> nearest = index.search(queries);
  for (size_t r = 0; r < readable.size(); ++r) {
    const Nearest& as_is = nearest[2 * r];
    const Nearest& mirrored = nearest[2 * r + 1];
    const bool flipped = mirrored.similarity > as_is.similarity;
    const Nearest& best = flipped ? mirrored : as_is;
    histogram.add(best.similarity);
    if (best.index < 0 || best.similarity < threshold) continue;
    const size_t i = readable[r];
    findings.duplicates.push_back(
        {keys[i], shard_position, shard_name, first + i, best.index, best.similarity, flipped});
  }
}

// Searches the shards of this rank's slice (every world-th, from its rank on).
RankFindings search_shards(const DedupOptions& options, const ImageEmbedder& embedder,
                           const NearestImages& index, const dist::JobRanks& ranks) {
  const data::ShardSet set(options.shards);
  if (set.kind() != data::ShardKind::kImage) {
    throw usage_error("dedup.shards: '{}' is not an image shard set", options.shards);
  }
  RankFindings findings;
  SimilarityHistogram histogram{kHistogramEdges, std::vector<int64_t>(kHistogramEdges.size(), 0)};
  const auto batch = static_cast<uint64_t>(options.batch);
  for (size_t s = static_cast<size_t>(ranks.rank()); s < set.num_shards();
       s += static_cast<size_t>(ranks.world())) {
    const std::shared_ptr<const data::ShardReader> shard = set.shard(s);
    const std::string& shard_name = set.manifest().shards[s].file;
    for (uint64_t first = 0; first < shard->num_records(); first += batch) {
      const uint64_t count = std::min(batch, shard->num_records() - first);
      search_records(*shard, s, shard_name, first, count, embedder, index, options.threshold,
                     histogram, findings);
      findings.records += static_cast<int64_t>(count);
    }
    spdlog::info("dedup: rank {} searched {} ({} records; {} duplicates so far on this rank)",
                 ranks.rank(), shard_name, shard->num_records(), findings.duplicates.size());
  }
  findings.histogram = histogram.counts;
  return findings;
}

// Every rank's findings in the order one rank finds them: by shard, then record.
RankFindings merge_findings(const std::string& parts_dir, int world) {
  RankFindings all;
  all.histogram.assign(kHistogramEdges.size(), 0);
  for (int r = 0; r < world; ++r) {
    RankFindings part = read_findings(parts_dir, r);
    fail_if(part.histogram.size() != all.histogram.size(), "{}: rank {}'s histogram has {} bins",
            parts_dir, r, part.histogram.size());
    all.records += part.records;
    for (size_t b = 0; b < all.histogram.size(); ++b) all.histogram[b] += part.histogram[b];
    all.duplicates.insert(all.duplicates.end(), part.duplicates.begin(), part.duplicates.end());
    all.unreadable.insert(all.unreadable.end(), part.unreadable.begin(), part.unreadable.end());
  }
  std::sort(all.duplicates.begin(), all.duplicates.end(),
            [](const Duplicate& a, const Duplicate& b) {
              return std::tie(a.shard_position, a.index) < std::tie(b.shard_position, b.index);
            });
  return all;
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

// Rank 0's last step: the merged findings into the summary and the output folder.
void finish(const DedupOptions& options, const EvalSet& eval, const std::string& parts_dir,
            int world, DedupSummary& summary) {
  RankFindings findings = merge_findings(parts_dir, world);
  summary.records = findings.records;
  summary.histogram.counts = findings.histogram;
  std::set<int64_t> copied;
  for (const Duplicate& d : findings.duplicates) {
    copied.insert(d.eval_image);
    summary.flipped_duplicates += d.flipped;
  }
  summary.duplicates = static_cast<int64_t>(findings.duplicates.size());
  summary.eval_images_with_copy = static_cast<int64_t>(copied.size());
  summary.records_unreadable = static_cast<int64_t>(findings.unreadable.size());
  std::vector<Unreadable> unreadable = eval.unreadable;
  unreadable.insert(unreadable.end(), findings.unreadable.begin(), findings.unreadable.end());
  std::sort(unreadable.begin(), unreadable.end(), [](const Unreadable& a, const Unreadable& b) {
    return std::tie(a.source, a.name) < std::tie(b.source, b.name);
  });
  io::StagedDirectory staged(options.out);
  write_outputs(staged.path(), findings.duplicates, eval, unreadable, summary);
  staged.commit();
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
  if (rank != 0) {
    return fmt::format(
        "ptk-wsl dedup: rank {} searched its shards; rank 0 wrote {} (its summary is in "
        "summary.txt there).\n",
        rank, out);
  }
  std::string text = fmt::format(
      "ptk-wsl dedup: {} evaluation images ({} unreadable), {} training records ({} "
      "unreadable); {} records at cosine similarity >= {} to an evaluation image ({} of them "
      "mirrored), the nearest to {} evaluation images; {} embedding, {} search. Written to {}.\n"
      "Nearest-evaluation-image similarity of the training records:\n",
      eval_images, eval_unreadable, records, records_unreadable, duplicates, threshold,
      flipped_duplicates, eval_images_with_copy, embedding,
      exact_search ? "exact" : "approximate (IVF)", out);
  for (size_t i = 0; i < histogram.counts.size(); ++i) {
    const std::string upper =
        i + 1 < histogram.edges.size() ? fmt::format("{:.3f})", histogram.edges[i + 1]) : "1]";
    text += fmt::format("  [{:.3f}, {:<7} {}\n", histogram.edges[i], upper, histogram.counts[i]);
  }
  return text;
}

DedupSummary run_dedup(const DedupOptions& options, const ImageEmbedder& embedder,
                       const dist::JobRanks& ranks) {
  if (!(options.threshold > 0.0 && options.threshold <= 1.0)) {
    throw usage_error("dedup.threshold must be in (0, 1], got {}", options.threshold);
  }
  DedupSummary summary;
  summary.threshold = options.threshold;
  summary.out = options.out;
  summary.embedding = embedder.description();
  summary.rank = ranks.rank();
  summary.histogram.edges = kHistogramEdges;
  std::string target = options.out;
  while (target.size() > 1 && target.back() == '/') target.pop_back();
  const std::string parts_dir = target + ".ranks";
  const std::vector<std::string> files = list_eval_images(options.eval);
  ranks.run_stage("clearing the ranks' folder", [&] {
    if (ranks.rank() != 0) return;
    fs::remove_all(parts_dir);
    fs::create_directories(parts_dir);
  });
  ranks.run_stage("embedding the evaluation images", [&] {
    write_eval_slice(parts_dir, ranks.rank(),
                     embed_files(slice_of_rank(files, ranks), embedder, options.threads,
                                 static_cast<size_t>(options.batch)));
  });
  // In a stage too: a rank that cannot read the others' vectors must stop them all.
  EvalSet eval;
  std::unique_ptr<NearestImages> index;
  ranks.run_stage("reading the evaluation vectors", [&] {
    eval = gather_eval_set(files, parts_dir, ranks.world(), embedder.dim());
    index =
        std::make_unique<NearestImages>(embedder.dim(), eval.vectors, options.approximate_above);
  });
  summary.eval_images = static_cast<int64_t>(files.size());
  summary.eval_unreadable = static_cast<int64_t>(eval.unreadable.size());
  summary.exact_search = index->exact();
  ranks.run_stage("searching the training records", [&] {
    write_findings(parts_dir, ranks.rank(), search_shards(options, embedder, *index, ranks));
  });
  ranks.run_stage("writing the outputs", [&] {
    if (ranks.rank() != 0) return;
    finish(options, eval, parts_dir, ranks.world(), summary);
    fs::remove_all(parts_dir);
  });
  return summary;
}

}  // namespace ptk::vision
