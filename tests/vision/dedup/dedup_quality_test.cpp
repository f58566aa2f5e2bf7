// How well the thumbnail descriptor finds planted copies of evaluation images among distinct
// photographs, per kind of copy: the table the README quotes. The pictures are 320x240 cells of
// the camera photographs of Debian's mate-backgrounds (nature), a third of them the evaluation
// set; the training set holds the other two thirds and one copy of each kind of every
// evaluation picture.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "tests/vision/dedup/dedup_test_pictures.h"
#include "vision/dedup/dedup_job.h"
#include "vision/dedup/image_descriptor.h"
#include "vision/dedup/nearest_images.h"
#include "vision/transforms/image_decoder.h"

namespace ptk::vision {
namespace {

namespace fs = std::filesystem;
using testing::copy_kinds;
using testing::copy_of;
using testing::CopyKind;

constexpr char kPhotoDir[] = "/usr/share/backgrounds/mate/nature";

// Non-overlapping 320x240 cells of every photograph, in file and raster order.
std::vector<cv::Mat> photo_cells() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(kPhotoDir)) {
    if (entry.path().extension() == ".jpg") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<cv::Mat> cells;
  for (const std::string& file : files) {
    const cv::Mat photo = cv::imread(file, cv::IMREAD_COLOR);
    for (int y = 0; y + 240 <= photo.rows; y += 240) {
      for (int x = 0; x + 320 <= photo.cols; x += 320) {
        cells.push_back(photo(cv::Rect(x, y, 320, 240)).clone());
      }
    }
  }
  return cells;
}

std::vector<float> describe(const std::vector<uint8_t>& jpeg) {
  return image_descriptor(decode_image(jpeg.data(), jpeg.size(), "cell", 64, 64));
}

struct Found {
  int64_t nearest = -1;
  float similarity = -2;
};

std::vector<Found> search(const NearestImages& index, const std::vector<std::vector<float>>& rows) {
  std::vector<float> queries;
  for (const auto& row : rows) {
    queries.insert(queries.end(), row.begin(), row.end());
    const auto mirror = flipped_descriptor(row);
    queries.insert(queries.end(), mirror.begin(), mirror.end());
  }
  const std::vector<Nearest> nearest = index.search(queries);
  std::vector<Found> found;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Nearest& best = nearest[2 * i + 1].similarity > nearest[2 * i].similarity
                              ? nearest[2 * i + 1]
                              : nearest[2 * i];
    found.push_back({best.index, best.similarity});
  }
  return found;
}

TEST(DedupQuality, ThumbnailFindsCopiesResizesAndMirrorsAndFlagsNoDistinctPhotograph) {
  if (!fs::is_directory(kPhotoDir)) GTEST_SKIP() << "mate-backgrounds is not installed";
  const std::vector<cv::Mat> cells = photo_cells();
  ASSERT_GE(cells.size(), 150u);
  std::vector<cv::Mat> eval_cells;
  std::vector<std::vector<float>> eval_rows, distinct_rows;
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto row = describe(testing::encode(cells[i], ".jpg", 90));
    if (i % 3 == 0) {
      eval_cells.push_back(cells[i]);
      eval_rows.push_back(row);
    } else {
      distinct_rows.push_back(row);
    }
  }
  std::vector<float> references;
  for (const auto& row : eval_rows) references.insert(references.end(), row.begin(), row.end());
  const NearestImages index(kImageDescriptorSize, references, 1000000);

  const std::vector<Found> distinct = search(index, distinct_rows);
  const auto flagged = std::count_if(distinct.begin(), distinct.end(), [](const Found& f) {
    return f.similarity >= kDefaultDedupThreshold;
  });
  float highest_distinct = -2;
  for (const Found& f : distinct) highest_distinct = std::max(highest_distinct, f.similarity);
  std::printf("%zu evaluation cells, %zu distinct training cells: %ld flagged (highest %.3f)\n",
              eval_rows.size(), distinct_rows.size(), static_cast<long>(flagged), highest_distinct);
  EXPECT_EQ(flagged, 0);

  // Featureless pictures (plain gradients) have no descriptor: their copies are not matched.
  std::vector<size_t> detailed;
  for (size_t i = 0; i < eval_rows.size(); ++i) {
    if (std::any_of(eval_rows[i].begin(), eval_rows[i].end(), [](float v) { return v != 0; })) {
      detailed.push_back(i);
    }
  }
  std::printf("%zu of the evaluation cells are featureless; recall over the other %zu:\n",
              eval_rows.size() - detailed.size(), detailed.size());
  std::printf("| copy | found at >= %.2f | lowest similarity |\n|---|---:|---:|\n",
              kDefaultDedupThreshold);
  for (const auto& [kind, name] : copy_kinds()) {
    std::vector<std::vector<float>> copies;
    for (size_t i : detailed) copies.push_back(describe(copy_of(eval_cells[i], kind)));
    const std::vector<Found> found = search(index, copies);
    int hits = 0;
    float lowest = 2;
    for (size_t c = 0; c < found.size(); ++c) {
      hits += found[c].nearest == static_cast<int64_t>(detailed[c]) &&
              found[c].similarity >= kDefaultDedupThreshold;
      lowest = std::min(lowest, found[c].similarity);
    }
    const double recall = static_cast<double>(hits) / static_cast<double>(found.size());
    std::printf("| %s | %.1f%% | %.3f |\n", name.c_str(), 100 * recall, lowest);
    // What the descriptor promises; brightness (which clips highlights) and crops are reported.
    if (kind != CopyKind::kBrighter && kind != CopyKind::kCrop90) {
      EXPECT_GE(recall, 0.95) << name;
    }
  }
}

}  // namespace
}  // namespace ptk::vision
