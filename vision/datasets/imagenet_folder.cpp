#include "vision/datasets/imagenet_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <system_error>

#include "common/base/error.h"

namespace ptk::vision {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Names of the entries of `dir` of one kind, sorted bytewise (as Python's sorted() on str,
// which is what torchvision's ImageFolder uses for class order).
std::vector<std::string> sorted_entries(const fs::path& dir, bool directories) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw error("cannot list {}: {}", dir.string(), ec.message());
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    const bool is_dir = entry.is_directory(ec);
    if (is_dir == directories) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Image files of `dir`, sorted; counts the other files into `skipped`.
std::vector<std::string> image_files(const fs::path& dir, int64_t& skipped) {
  std::vector<std::string> images;
  for (const std::string& name : sorted_entries(dir, false)) {
    if (is_image_file_name(name)) {
      images.push_back(name);
    } else {
      ++skipped;
    }
  }
  return images;
}

void require_dir(const fs::path& path, const std::string& what) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    throw error(
        "{}: no {} folder (expected the ImageNet layout: train/<wnid>/*.JPEG and val/<wnid>/*.JPEG "
        "or a flat val/ with the devkit ground truth)",
        path.string(), what);
  }
}

// Images of every class folder of `split_dir`; `index` maps wnid -> label.
std::vector<LabeledImage> list_class_folders(const fs::path& split_dir,
                                             const std::vector<std::string>& wnids,
                                             const std::map<std::string, int32_t>& index,
                                             int64_t& skipped) {
  std::vector<LabeledImage> images;
  for (const std::string& wnid : wnids) {
    const auto label = index.find(wnid);
    if (label == index.end()) {
      throw error(
          "{}: class folder has no counterpart in train/ (class index = sorted train wnids)",
          (split_dir / wnid).string());
    }
    const std::vector<std::string> files = image_files(split_dir / wnid, skipped);
    if (files.empty()) throw error("{}: class folder has no images", (split_dir / wnid).string());
    for (const std::string& file : files) {
      images.push_back({(split_dir / wnid / file).string(), label->second});
    }
  }
  return images;
}

}  // namespace

bool is_image_file_name(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  static const std::set<std::string> kExtensions = {"jpeg", "jpg",  "png", "bmp", "webp",
                                                    "tif",  "tiff", "ppm", "pgm"};
  return kExtensions.count(lower(name.substr(dot + 1))) != 0;
}

std::vector<std::string> read_synset_list(const std::string& path) {
  std::ifstream in(path);
  fail_if(!in, "{}: cannot open the synset list", path);
  std::vector<std::string> wnids;
  std::set<std::string> seen;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos) {
      // A trailing newline at the end of the file is fine; a blank line inside is not.
      if (in.peek() == std::ifstream::traits_type::eof()) break;
      throw error("{}:{}: blank line in the synset list", path, number);
    }
    const std::string wnid = line.substr(begin, line.find_first_of(" \t\r", begin) - begin);
    if (!seen.insert(wnid).second) {
      throw error("{}:{}: wnid '{}' listed twice", path, number, wnid);
    }
    wnids.push_back(wnid);
  }
  fail_if(wnids.empty(), "{}: the synset list is empty", path);
  return wnids;
}

std::vector<int32_t> read_ground_truth(const std::string& path, size_t num_classes) {
  std::ifstream in(path);
  fail_if(!in, "{}: cannot open the ground-truth file", path);
  std::vector<int32_t> classes;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() && in.peek() == std::ifstream::traits_type::eof()) break;
    size_t used = 0;
    long value = 0;
    try {
      value = std::stol(line, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != line.size() || value < 1 || static_cast<size_t>(value) > num_classes) {
      throw error("{}:{}: '{}' is not a class number in 1..{}", path, number, line, num_classes);
    }
    classes.push_back(static_cast<int32_t>(value));
  }
  return classes;
}

ImageFolderSet read_imagenet_folder(const std::string& root, const ImageFolderOptions& options) {
  ImageFolderSet set;
  set.root = root;
  const fs::path train_dir = fs::path(root) / "train";
  const fs::path val_dir = fs::path(root) / "val";
  require_dir(train_dir, "train/");
  require_dir(val_dir, "val/");

  set.classes = sorted_entries(train_dir, true);
  if (set.classes.empty()) {
    throw error("{}: no class folders (train/<wnid>/)", train_dir.string());
  }
  std::map<std::string, int32_t> index;
  for (size_t i = 0; i < set.classes.size(); ++i) {
    index[set.classes[i]] = static_cast<int32_t>(i);
  }
  set.train = list_class_folders(train_dir, set.classes, index, set.skipped_files);

  const std::vector<std::string> val_classes = sorted_entries(val_dir, true);
  if (!val_classes.empty()) {
    set.val = list_class_folders(val_dir, val_classes, index, set.skipped_files);
    return set;
  }

  // Devkit form: a flat val/ labelled through the ground truth and the synset order.
  set.devkit_val = true;
  const std::vector<std::string> files = image_files(val_dir, set.skipped_files);
  if (files.empty()) throw error("{}: no class folders and no images", val_dir.string());
  if (options.val_ground_truth.empty() || options.val_synsets.empty()) {
    throw usage_error(
        "{} is flat (the devkit form): set eval.val_ground_truth (one 1-based class number per "
        "image) and eval.val_synsets (the wnid of each class number)",
        val_dir.string());
  }
  const std::vector<std::string> synsets = read_synset_list(options.val_synsets);
  for (size_t i = 0; i < synsets.size(); ++i) {
    if (index.count(synsets[i]) == 0) {
      throw error("{}:{}: wnid '{}' has no folder in {}", options.val_synsets, i + 1, synsets[i],
                  train_dir.string());
    }
  }
  const std::vector<int32_t> truth = read_ground_truth(options.val_ground_truth, synsets.size());
  if (truth.size() != files.size()) {
    throw error("{}: {} labels for {} images in {} (one line per image, in sorted file-name order)",
                options.val_ground_truth, truth.size(), files.size(), val_dir.string());
  }
  for (size_t i = 0; i < files.size(); ++i) {
    set.val.push_back({(val_dir / files[i]).string(), index.at(synsets[truth[i] - 1])});
  }
  return set;
}

}  // namespace ptk::vision
