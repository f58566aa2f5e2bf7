#include "recipes/wsl/prepare.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include "common/base/error.h"
#include "common/data/shard_writer.h"
#include "common/io/atomic_file.h"
#include "common/io/staged_directory.h"
#include "recipes/wsl/progress_bar.h"
#include "vision/hashtags/canonicalizer.h"
#include "vision/hashtags/hashtag_labeler.h"
#include "vision/hashtags/hashtag_normalizer.h"
#include "vision/hashtags/hashtag_vocab.h"
#include "vision/hashtags/manifest_reader.h"
#include "vision/hashtags/wordnet.h"
#include "vision/transforms/image_decoder.h"

namespace fs = std::filesystem;

namespace ptk::recipes {

namespace {

constexpr char kVocabFile[] = "vocab.tsv";

// FNV-1a: a stable hash of the image key, so the validation split does not depend on the
// order of the manifest or on the standard library.
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

vision::ManifestFormat manifest_format(const std::string& name, const std::string& path) {
  if (name == "auto") return vision::detect_manifest_format(path);
  if (name == "yfcc") return vision::ManifestFormat::kYfcc100m;
  return vision::parse_manifest_format(name);
}

// Reads an image file whole; "" on success, else why it cannot be read.
std::string read_file(const fs::path& path, std::vector<uint8_t>& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open the file";
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return "read error";
  if (bytes.empty()) return "empty file";
  return "";
}

std::string percent(uint64_t part, uint64_t whole) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%",
                whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return text;
}

}  // namespace

config::Schema prepare_schema() {
  config::Schema s;
  s.add("prepare.manifest", "", "hashtag manifest of the training images (required)")
      .add("prepare.manifest_format", "auto", "auto (from the file name) | jsonl | tsv | yfcc100m")
      .add("prepare.val_manifest", "",
           "manifest of validation images; empty = split prepare.val_fraction off the training "
           "manifest")
      .add("prepare.val_fraction", config::Value(0.0),
           "fraction of training images held out for validation (by a hash of the image key)")
      .add("prepare.image_root", "",
           "directory image paths are relative to; empty = the manifest's directory")
      .add("prepare.wordnet_dir", vision::kDefaultWordNetDir,
           "WordNet 3.0 database directory (index.noun, data.noun, noun.exc)")
      .add("prepare.vocab_size", "17k",
           "classes kept, most frequent first: 1.5k | 8.5k | 17k (the paper's) or a number")
      .add("prepare.out", "",
           "output directory: train/ and val/ shard sets, bad_images.tsv, summary.txt (required)")
      .add("prepare.shard_bytes", static_cast<int64_t>(256) << 20, "payload bytes per shard");
  return s;
}

std::string PrepareSummary::text() const {
  std::ostringstream out;
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
      << " hashtags map into the vocabulary. Shards: " << train_dir;
  if (!val_dir.empty()) out << " and " << val_dir;
  char time[32];
  std::snprintf(time, sizeof(time), "%.1f", seconds);
  out << " (" << time << " s).";
  return out.str();
}

PrepareSummary run_prepare(const config::Config& config) {
  const auto start = std::chrono::steady_clock::now();
  const std::string manifest = config.get_string("prepare.manifest");
  const std::string val_manifest = config.get_string("prepare.val_manifest");
  const std::string out_dir = config.get_string("prepare.out");
  const double val_fraction = config.get_float("prepare.val_fraction");
  const int64_t shard_bytes = config.get_int("prepare.shard_bytes");
  if (manifest.empty()) throw UsageError("prepare.manifest is required");
  if (out_dir.empty()) throw UsageError("prepare.out is required");
  if (!(val_fraction >= 0.0 && val_fraction < 1.0)) {
    throw UsageError("prepare.val_fraction must be in [0, 1)");
  }
  if (!val_manifest.empty() && val_fraction > 0.0) {
    throw UsageError("give prepare.val_manifest or prepare.val_fraction, not both");
  }
  if (shard_bytes < 1) throw UsageError("prepare.shard_bytes must be >= 1");
  const int64_t vocab_size = vision::parse_vocab_size(config.get_string("prepare.vocab_size"));
  const std::string format_name = config.get_string("prepare.manifest_format");
  const vision::ManifestFormat format = manifest_format(format_name, manifest);
  const vision::ManifestFormat val_format =
      val_manifest.empty() ? format : manifest_format(format_name, val_manifest);

  const vision::WordNet wordnet = vision::WordNet::load(config.get_string("prepare.wordnet_dir"));
  const vision::Canonicalizer canonicalizer(wordnet);
  const vision::HashtagNormalizer normalizer;

  PrepareSummary summary;
  // Pass 1: count canonical classes over the training manifest.
  vision::HashtagCounter counter;
  uint64_t train_records = 0;
  {
    vision::HashtagLabeler labeler(normalizer, canonicalizer);
    vision::ManifestReader reader(manifest, format);
    ProgressBar bar("counting hashtags", 0);
    vision::ManifestRecord record;
    while (reader.next(record)) {
      counter.add_image(labeler.canonical_tags(record, manifest));
      bar.update(++train_records);
    }
  }
  const vision::HashtagVocab vocab = counter.build(vocab_size, canonicalizer);
  summary.candidate_classes = counter.num_classes();
  summary.vocab_size = vocab.size();
  if (vocab.size() == 0) {
    throw Error(manifest + ": no hashtag names a WordNet noun; nothing to train on");
  }

  // Pass 2: label, check and write, into a staging folder that replaces prepare.out only when
  // everything is written: a failed run (a full disk, a bad manifest) leaves the previous
  // output whole. The summary names the final paths.
  const bool has_val = !val_manifest.empty() || val_fraction > 0.0;
  io::StagedDirectory staged(out_dir);
  summary.train_dir = (fs::path(out_dir) / "train").string();
  summary.val_dir = has_val ? (fs::path(out_dir) / "val").string() : "";
  summary.bad_report = (fs::path(out_dir) / "bad_images.tsv").string();
  const std::string train_dir = (fs::path(staged.path()) / "train").string();
  const std::string val_dir = (fs::path(staged.path()) / "val").string();
  const std::string bad_report = (fs::path(staged.path()) / "bad_images.tsv").string();
  auto writer_options = [&](const std::string& dir, const std::string& role) {
    data::ShardWriterOptions o;
    o.dir = dir;
    o.kind = data::ShardKind::kImage;
    o.max_shard_bytes = static_cast<uint64_t>(shard_bytes);
    o.files = {{"vocabulary", kVocabFile}};
    o.built_by = "ptk-wsl prepare (" + role + "): manifest " +
                 fs::path(manifest).filename().string() + ", vocab_size " +
                 std::to_string(vocab_size) + ", val_fraction " + std::to_string(val_fraction);
    return o;
  };
  data::ShardSetWriter train_writer(writer_options(train_dir, "train"));
  std::unique_ptr<data::ShardSetWriter> val_writer;
  if (has_val) val_writer = std::make_unique<data::ShardSetWriter>(writer_options(val_dir, "val"));
  vocab.write_tsv(train_dir + "/" + kVocabFile);
  if (has_val) vocab.write_tsv(val_dir + "/" + kVocabFile);

  std::ofstream bad(bad_report);
  if (!bad) throw Error("cannot write " + bad_report);
  bad << "manifest\tline\timage\tproblem\n";

  vision::HashtagLabeler labeler(normalizer, canonicalizer);
  const uint64_t val_threshold =
      static_cast<uint64_t>(val_fraction * 18446744073709551615.0);  // fraction of 2^64
  auto write_manifest = [&](const std::string& path, vision::ManifestFormat fmt, bool all_val,
                            uint64_t total, const char* label) {
    const std::string root_key = config.get_string("prepare.image_root");
    const fs::path root = root_key.empty() ? fs::path(path).parent_path() : fs::path(root_key);
    vision::ManifestReader reader(path, fmt);
    ProgressBar bar(label, total);
    vision::ManifestRecord record;
    std::vector<uint8_t> bytes;
    uint64_t done = 0;
    while (reader.next(record)) {
      bar.update(++done);
      data::ImageRecord out;
      out.labels = labeler.labels(record, path, vocab);
      if (out.labels.empty()) {
        ++summary.no_class;
        continue;
      }
      const fs::path image =
          fs::path(record.image).is_absolute() ? fs::path(record.image) : root / record.image;
      std::string problem = read_file(image, bytes);
      if (problem.empty()) {
        try {
          vision::decode_image(bytes.data(), bytes.size(), image.string());
        } catch (const std::exception& e) {
          problem = e.what();
        }
      }
      if (!problem.empty()) {
        ++summary.bad_images;
        for (char& c : problem) {
          if (c == '\t' || c == '\n') c = ' ';
        }
        bad << path << '\t' << record.line << '\t' << record.image << '\t' << problem << '\n';
        continue;
      }
      out.bytes = std::move(bytes);
      out.key = record.image;
      summary.labels += out.labels.size();
      const bool to_val =
          all_val || (val_writer && fnv1a(record.image) < val_threshold && val_fraction > 0.0);
      if (to_val) {
        val_writer->add(out);
        ++summary.val_images;
      } else {
        train_writer.add(out);
        ++summary.train_images;
      }
      bytes.clear();
    }
    summary.manifest_records += reader.stats().records;
    summary.malformed_lines += reader.stats().malformed;
    for (const auto& example : reader.stats().malformed_examples) {
      spdlog::warn("skipped malformed line {}", example);
    }
  };
  write_manifest(manifest, format, false, train_records, "writing shards");
  if (!val_manifest.empty())
    write_manifest(val_manifest, val_format, true, 0, "writing val shards");

  if (summary.train_images == 0) {
    // The staging folder goes with this error; its report is kept beside prepare.out.
    bad.close();
    const std::string kept = fs::path(out_dir).string() + ".bad_images.tsv";
    std::error_code ignored;
    fs::copy_file(bad_report, kept, fs::copy_options::overwrite_existing, ignored);
    throw Error(manifest + ": no training image was kept (see " + kept + ")");
  }
  train_writer.finish();
  if (val_writer) {
    if (summary.val_images == 0) {
      throw Error("no validation image was kept; raise prepare.val_fraction or check " +
                  (val_manifest.empty() ? manifest : val_manifest));
    }
    val_writer->finish();
  }
  bad.close();
  if (!bad) throw Error("cannot write " + bad_report);

  const vision::LabelStats& stats = labeler.stats();
  summary.hashtags = stats.hashtags;
  summary.hashtags_in_vocab =
      stats.hashtags - stats.invalid_utf8 - stats.empty - stats.not_in_wordnet - stats.out_of_vocab;
  for (const auto& example : stats.invalid_utf8_examples) {
    spdlog::warn("dropped a hashtag that is not UTF-8: {}", example);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  io::write_file_atomic((fs::path(staged.path()) / "summary.txt").string(), summary.text() + "\n");
  staged.commit();
  return summary;
}

}  // namespace ptk::recipes
