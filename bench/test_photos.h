// The photographs the image benchmarks cut their test sets from: the JPEGs of a folder (Debian's
// mate-backgrounds by default), sorted so the sets do not depend on directory order.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/base/error.h"

namespace ptk::bench {

inline std::vector<std::string> list_photos(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> photos;
  if (fs::is_directory(dir)) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".jpg" || ext == ".jpeg")) {
        photos.push_back(entry.path().string());
      }
    }
  }
  if (photos.empty()) {
    throw usage_error(
        "no JPEG photos in '{}' (install Debian's mate-backgrounds, or pass --photos DIR)", dir);
  }
  std::sort(photos.begin(), photos.end());
  return photos;
}

}  // namespace ptk::bench
