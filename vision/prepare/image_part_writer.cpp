#include "vision/prepare/image_part_writer.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "common/base/parallel_for.h"
#include "vision/hashtags/hashtag_labeler.h"

namespace fs = std::filesystem;

namespace ptk::vision {

namespace {

// Records decoded together: enough to keep every thread busy, few enough that the images of a
// block stay small next to a shard.
constexpr size_t kRecordsPerThread = 16;

// A labelled record waiting for its image.
struct PendingImage {
  vision::ManifestRecord record;
  std::vector<int32_t> labels;
  std::vector<uint8_t> bytes;  // what to store, once read and checked
  uint64_t bytes_read = 0;
  bool recoded = false;
  std::string problem;  // why it is skipped; empty when it is kept
};

// FNV-1a: a stable hash of the image key.
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// Reads an image file whole; "" on success, else why it cannot be read.
std::string read_image_file(const fs::path& path, std::vector<uint8_t>& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open the file";
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return "read error";
  if (bytes.empty()) return "empty file";
  return "";
}

void load_image(PendingImage& pending, const fs::path& root, const vision::RecodeOptions& recode) {
  const fs::path path = fs::path(pending.record.image).is_absolute()
                            ? fs::path(pending.record.image)
                            : root / pending.record.image;
  std::vector<uint8_t> bytes;
  pending.problem = read_image_file(path, bytes);
  if (!pending.problem.empty()) return;
  pending.bytes_read = bytes.size();
  try {
    vision::RecodedImage image =
        vision::recode_for_training(std::move(bytes), recode, path.string());
    pending.bytes = std::move(image.bytes);
    pending.recoded = image.recoded;
  } catch (const std::exception& e) {
    pending.problem = e.what();
  }
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

bool is_validation_key(const std::string& key, double val_fraction) {
  if (val_fraction <= 0.0) return false;
  const auto threshold = static_cast<uint64_t>(val_fraction * 18446744073709551615.0);
  return fnv1a(key) < threshold;
}

PartReport write_image_part(const data::InputPart& part, const ImagePartOptions& options,
                            const vision::HashtagVocab& vocab,
                            const vision::HashtagNormalizer& normalizer,
                            const vision::Canonicalizer& canonicalizer) {
  PartReport report;
  data::ShardWriterOptions train_options = options.train;
  train_options.prefix = part.name();
  train_options.write_manifest = false;
  data::ShardSetWriter train(train_options);
  std::unique_ptr<data::ShardSetWriter> val;
  if (!options.val.dir.empty()) {
    data::ShardWriterOptions val_options = options.val;
    val_options.prefix = part.name();
    val_options.write_manifest = false;
    val = std::make_unique<data::ShardSetWriter>(val_options);
  }

  vision::HashtagLabeler labeler(normalizer, canonicalizer);
  vision::ManifestReader reader(part, options.format);
  const size_t block_size = kRecordsPerThread * static_cast<size_t>(std::max(options.threads, 1));
  std::vector<PendingImage> block;
  bool more = true;
  while (more) {
    block.clear();
    vision::ManifestRecord record;
    while (block.size() < block_size && (more = reader.next(record))) {
      std::vector<int32_t> labels = labeler.labels(record, part.file, vocab);
      if (labels.empty()) {
        ++report.no_class;
        continue;
      }
      block.push_back({std::move(record), std::move(labels), {}, 0, false, ""});
    }
    parallel_for(static_cast<int64_t>(block.size()), options.threads, [&](int64_t i) {
      load_image(block[static_cast<size_t>(i)], options.image_root, options.recode);
    });
    for (PendingImage& pending : block) {
      if (!pending.problem.empty()) {
        report.bad_images.push_back(
            {pending.record.line, pending.record.image, one_line(pending.problem)});
        continue;
      }
      data::ImageRecord out;
      out.key = pending.record.image;
      out.labels = std::move(pending.labels);
      out.bytes = std::move(pending.bytes);
      report.labels += out.labels.size();
      report.bytes_read += pending.bytes_read;
      report.bytes_stored += out.bytes.size();
      report.recoded += pending.recoded ? 1 : 0;
      if (val && (options.all_val || is_validation_key(out.key, options.val_fraction))) {
        val->add(out);
        ++report.val_images;
      } else {
        train.add(out);
        ++report.train_images;
      }
    }
  }

  report.train = train.finish();
  if (val) report.val = val->finish();
  const vision::ManifestStats& read = reader.stats();
  report.lines = read.lines;
  report.records = read.records;
  report.malformed = read.malformed;
  report.videos = read.videos;
  report.malformed_examples = read.malformed_examples;
  const vision::LabelStats& stats = labeler.stats();
  report.hashtags = stats.hashtags;
  report.hashtags_invalid_utf8 = stats.invalid_utf8;
  report.hashtags_empty = stats.empty;
  report.hashtags_not_in_wordnet = stats.not_in_wordnet;
  report.hashtags_out_of_vocab = stats.out_of_vocab;
  report.invalid_utf8_examples = stats.invalid_utf8_examples;
  return report;
}

}  // namespace ptk::vision
