#include "vision/prepare/image_prepare_job.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "common/base/error.h"
#include "common/base/parallel_for.h"
#include "common/data/manifest.h"
#include "common/data/shard_reader.h"
#include "common/dist/job_ranks.h"
#include "common/io/atomic_file.h"
#include "common/io/resumable_directory.h"
#include "common/log/progress_bar.h"
#include "vision/hashtags/canonicalizer.h"
#include "vision/hashtags/hashtag_labeler.h"
#include "vision/hashtags/hashtag_normalizer.h"
#include "vision/hashtags/hashtag_vocab.h"
#include "vision/hashtags/shard_resampling.h"
#include "vision/hashtags/wordnet.h"
#include "vision/prepare/image_part_writer.h"
#include "vision/prepare/part_report.h"

namespace fs = std::filesystem;

namespace ptk::vision {

namespace {

constexpr char kVocabFile[] = "vocab.tsv";
constexpr char kVocabMarker[] = "vocabulary";

std::string percent(uint64_t part, uint64_t whole) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%",
                whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return text;
}

std::string counts_marker(const data::InputPart& part) { return "counts-" + part.name(); }

// Runs the work of one part; an error says which part (and so which byte range of which
// manifest) it came from, keeping its kind.
void within_part(const data::InputPart& part, const std::function<void()>& work) {
  try {
    work();
  } catch (const Error& e) {
    throw Error(part.describe() + ": " + e.what(), e.kind());
  }
}

// Pass 1 over this rank's training parts: canonical hashtag counts per part, each saved as a
// vocabulary of all its classes with a marker. Parts run on the threads side by side.
void count_parts(const ImagePrepareJob& job, const std::vector<data::InputPart>& mine,
                 const io::ResumableDirectory& folder, const HashtagNormalizer& normalizer,
                 const Canonicalizer& canonicalizer) {
  std::vector<data::InputPart> todo;
  for (const auto& part : mine) {
    if (!job.is_val(part) && !folder.done(counts_marker(part))) todo.push_back(part);
  }
  fs::create_directories(fs::path(folder.path()) / "counts");
  log::ProgressBar bar("counting hashtags (parts)", todo.size());
  std::mutex progress;
  uint64_t finished = 0;
  parallel_for(static_cast<int64_t>(todo.size()), job.threads, [&](int64_t i) {
    const data::InputPart& part = todo[static_cast<size_t>(i)];
    within_part(part, [&] {
      HashtagLabeler labeler(normalizer, canonicalizer);
      HashtagCounter counter;
      ManifestReader reader(part, job.format);
      ManifestRecord record;
      while (reader.next(record)) counter.add_image(labeler.canonical_tags(record, part.file));
      const int64_t classes = std::max<int64_t>(1, static_cast<int64_t>(counter.num_classes()));
      counter.build(classes, canonicalizer)
          .write_tsv((fs::path(folder.path()) / "counts" / (part.name() + ".tsv")).string());
      folder.mark_done(counts_marker(part), fmt::format("{}\n", counter.images()));
    });
    std::lock_guard<std::mutex> lock(progress);
    bar.update(++finished);
  });
}

// Rank 0, between the passes: merges the parts' counts and fixes the vocabulary.
void fix_vocabulary(const ImagePrepareJob& job, const io::ResumableDirectory& folder,
                    const Canonicalizer& canonicalizer) {
  if (folder.done(kVocabMarker)) return;
  HashtagCounter counter;
  for (const auto& part : job.plan) {
    if (job.is_val(part)) continue;
    const auto counts = HashtagVocab::read_tsv(
        (fs::path(folder.path()) / "counts" / (part.name() + ".tsv")).string());
    counter.merge(counts, std::stoull(folder.read(counts_marker(part))));
  }
  fail_if(counter.num_classes() == 0, "{}: no hashtag names a WordNet noun; nothing to train on",
          job.manifest);
  counter.build(job.vocab_size, canonicalizer)
      .write_tsv((fs::path(folder.path()) / kVocabFile).string());
  folder.mark_done(kVocabMarker, fmt::format("{}\n", counter.num_classes()));
}

data::ShardWriterOptions shard_options(const ImagePrepareJob& job, const std::string& dir,
                                       const std::string& role) {
  data::ShardWriterOptions o;
  o.dir = dir;
  o.kind = data::ShardKind::kImage;
  o.max_shard_bytes = static_cast<uint64_t>(job.shard_bytes);
  o.files = {{"vocabulary", kVocabFile}};
  o.built_by = fmt::format(
      "ptk-wsl prepare ({}): manifest {}, vocab_size {}, val_fraction {:.6f}, parts {}, "
      "resize_shorter {}{}",
      role, fs::path(job.manifest).filename().string(), job.vocab_size, job.val_fraction,
      job.plan.size(), job.recode.resize_shorter,
      job.recode.resize_shorter > 0 ? fmt::format(", jpeg_quality {}", job.recode.jpeg_quality)
                                    : std::string());
  return o;
}

// Pass 2 over this rank's parts, one after another (the threads work inside a part).
void write_parts(const ImagePrepareJob& job, const std::vector<data::InputPart>& mine,
                 const io::ResumableDirectory& folder, const HashtagVocab& vocab,
                 const HashtagNormalizer& normalizer, const Canonicalizer& canonicalizer) {
  ImagePartOptions options;
  options.image_root = job.image_root;
  options.val_fraction = job.val_manifest.empty() ? job.val_fraction : 0.0;
  options.train = shard_options(job, (fs::path(folder.path()) / "train").string(), "train");
  if (job.has_val()) {
    options.val = shard_options(job, (fs::path(folder.path()) / "val").string(), "val");
  }
  options.recode = job.recode;
  options.threads = job.threads;
  std::vector<data::InputPart> todo;
  for (const auto& part : mine) {
    if (!folder.done(part.name())) todo.push_back(part);
  }
  log::ProgressBar bar("writing shards (parts)", todo.size());
  uint64_t finished = 0;
  for (const auto& part : todo) {
    options.all_val = job.is_val(part);
    options.format = options.all_val ? job.val_format : job.format;
    within_part(part, [&] {
      const PartReport report = write_image_part(part, options, vocab, normalizer, canonicalizer);
      folder.mark_done(part.name(), report.to_yaml());
    });
    bar.update(++finished);
  }
}

// Rank 0, at the end: the parts' shards become the sets' manifests (in part order), their bad
// images one report with the manifests' own line numbers, their counts the summary.
ImagePrepareSummary assemble(const ImagePrepareJob& job, const io::ResumableDirectory& folder) {
  ImagePrepareSummary summary;
  PartReport total;
  data::Manifest train_set, val_set;
  const fs::path work(folder.path());
  std::string bad = "manifest\tline\timage\tproblem\n";
  std::map<std::string, uint64_t> lines_before;  // per manifest, the lines of earlier parts
  uint64_t bad_images = 0;
  for (const auto& part : job.plan) {
    const PartReport report = PartReport::parse(folder.read(part.name()), part.describe());
    uint64_t& base = lines_before[part.file];
    bad_images += report.bad_images.size();
    for (const auto& image : report.bad_images) {
      bad +=
          fmt::format("{}\t{}\t{}\t{}\n", part.file, base + image.line, image.image, image.problem);
    }
    base += report.lines;
    total.add_counts(report);
    for (const auto& shard : report.train.shards) train_set.shards.push_back(shard);
    for (const auto& shard : report.val.shards) val_set.shards.push_back(shard);
  }
  const std::string kept_report = fs::path(job.out).string() + ".bad_images.tsv";
  if (total.train_images == 0) {
    io::write_file_atomic(kept_report, bad);
    throw error("{}: no training image was kept (see {})", job.manifest, kept_report);
  }
  fail_if(job.has_val() && total.val_images == 0,
          "no validation image was kept; raise prepare.val_fraction or check {}",
          job.val_manifest.empty() ? job.manifest : job.val_manifest);
  io::write_file_atomic((work / "bad_images.tsv").string(), bad);
  const size_t classes = HashtagVocab::read_tsv((work / kVocabFile).string()).size();
  const auto save_set = [&](data::Manifest set, const std::string& role) {
    const data::ShardWriterOptions o = shard_options(job, (work / role).string(), role);
    set.kind = o.kind;
    set.files = o.files;
    set.built_by = o.built_by;
    fs::create_directories(o.dir);
    fs::copy_file(work / kVocabFile, fs::path(o.dir) / kVocabFile,
                  fs::copy_options::overwrite_existing);
    set.save(o.dir);
    if (role != "train") return;  // only training draws are resampled
    // The per-shard resampling summary, so training never reads every label (written after
    // the manifest because it is computed from the shards the manifest lists).
    const data::ShardSet shards(o.dir, 256);
    ResamplingSummary::compute(shards, classes, job.threads)
        .write_tsv((fs::path(o.dir) / kResamplingFile).string());
    set.files[kResamplingFileRole] = kResamplingFile;
    set.save(o.dir);
  };
  save_set(train_set, "train");
  if (job.has_val()) save_set(val_set, "val");

  summary.manifest_records = total.records;
  summary.malformed_lines = total.malformed;
  summary.no_class = total.no_class;
  summary.bad_images = bad_images;
  summary.train_images = total.train_images;
  summary.val_images = total.val_images;
  summary.labels = total.labels;
  summary.hashtags = total.hashtags;
  summary.hashtags_in_vocab = total.hashtags - total.hashtags_invalid_utf8 - total.hashtags_empty -
                              total.hashtags_not_in_wordnet - total.hashtags_out_of_vocab;
  summary.recoded_images = total.recoded;
  summary.bytes_read = total.bytes_read;
  summary.bytes_stored = total.bytes_stored;
  summary.candidate_classes = std::stoull(folder.read(kVocabMarker));
  summary.vocab_size = classes;
  summary.parts = job.plan.size();
  summary.resize_shorter = job.recode.resize_shorter;
  for (const auto& example : total.malformed_examples) {
    spdlog::warn("skipped malformed line {}", example);
  }
  for (const auto& example : total.invalid_utf8_examples) {
    spdlog::warn("dropped a hashtag that is not UTF-8: {}", example);
  }
  fs::remove(work / kVocabFile);
  fs::remove_all(work / "counts");
  return summary;
}

}  // namespace

std::string ImagePrepareSummary::text() const {
  std::ostringstream out;
  if (rank != 0) {
    out << "ptk-wsl prepare: rank " << rank << " wrote its parts; rank 0 assembled " << this->out
        << " (its summary is in summary.txt there).";
    return out.str();
  }
  out << "ptk-wsl prepare: read " << manifest_records << " manifest records (" << malformed_lines
      << " malformed lines skipped); kept " << train_images << " training and " << val_images
      << " validation images; dropped " << no_class << " with no hashtag in the vocabulary and "
      << bad_images << " unreadable images (listed in " << bad_report << "). ";
  char per_image[32];
  std::snprintf(per_image, sizeof(per_image), "%.2f",
                train_images + val_images > 0
                    ? static_cast<double>(labels) / static_cast<double>(train_images + val_images)
                    : 0.0);
  out << "Vocabulary: " << vocab_size << " classes of " << candidate_classes
      << " WordNet classes seen; " << per_image << " classes per kept image; "
      << percent(hashtags_in_vocab, hashtags) << " of " << hashtags
      << " hashtags map into the vocabulary. ";
  char sizes[160];
  std::snprintf(sizes, sizeof(sizes), "Images: %.1f MB read, %.1f MB stored",
                static_cast<double>(bytes_read) / 1e6, static_cast<double>(bytes_stored) / 1e6);
  out << sizes;
  if (resize_shorter > 0) {
    out << ", " << recoded_images << " re-encoded as JPEG (shorter side <= " << resize_shorter
        << ")";
  }
  out << ". Shards: " << train_dir;
  if (!val_dir.empty()) out << " and " << val_dir;
  char time[64];
  std::snprintf(time, sizeof(time), "%.1f", seconds);
  out << " (" << parts << " parts on " << ranks << " rank(s) x " << threads << " thread(s), "
      << time << " s).";
  return out.str();
}

ImagePrepareSummary run_image_prepare_job(const ImagePrepareJob& job,
                                          const std::string& wordnet_dir,
                                          const std::string& fingerprint,
                                          const dist::JobRanks& ranks,
                                          std::chrono::steady_clock::time_point started) {
  const std::vector<data::InputPart> mine =
      data::parts_of_rank(job.plan, ranks.rank(), ranks.world());

  const WordNet wordnet = WordNet::load(wordnet_dir);
  const Canonicalizer canonicalizer(wordnet);
  const HashtagNormalizer normalizer;

  // Rank 0 creates (or reopens) the job folder; the others open it once it exists.
  std::unique_ptr<io::ResumableDirectory> folder;
  ranks.run_stage("opening the job folder", [&] {
    if (ranks.rank() == 0)
      folder = std::make_unique<io::ResumableDirectory>(job.out, fingerprint, true);
  });
  ranks.run_stage("opening the job folder", [&] {
    if (ranks.rank() != 0)
      folder = std::make_unique<io::ResumableDirectory>(job.out, fingerprint, false);
  });
  ranks.run_stage("counting hashtags",
                  [&] { count_parts(job, mine, *folder, normalizer, canonicalizer); });
  ranks.run_stage("fixing the vocabulary", [&] {
    if (ranks.rank() == 0) fix_vocabulary(job, *folder, canonicalizer);
  });
  const HashtagVocab vocab =
      HashtagVocab::read_tsv((fs::path(folder->path()) / kVocabFile).string());
  ranks.run_stage("writing shards",
                  [&] { write_parts(job, mine, *folder, vocab, normalizer, canonicalizer); });

  ImagePrepareSummary summary;
  summary.rank = ranks.rank();
  summary.out = job.out;
  ranks.run_stage("assembling the shard sets", [&] {
    if (ranks.rank() != 0) return;
    summary = assemble(job, *folder);
    summary.train_dir = (fs::path(job.out) / "train").string();
    summary.val_dir = job.has_val() ? (fs::path(job.out) / "val").string() : "";
    summary.bad_report = (fs::path(job.out) / "bad_images.tsv").string();
    summary.ranks = ranks.world();
    summary.threads = job.threads;
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    io::write_file_atomic((fs::path(folder->path()) / "summary.txt").string(),
                          summary.text() + "\n");
    folder->commit();
  });
  return summary;
}

}  // namespace ptk::vision
