// The HDF5 file `ptk-export features` writes: dataset `features` (float32 [n, d], chunked and
// grown batch by batch, so the set never has to fit in memory) and dataset `ids` (variable-length
// UTF-8 strings, or int64) naming each row. Written under a temporary name and renamed on
// finish(), so a reader never sees a half-written file. Not thread-safe: one writer thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::recipes {

class FeatureFileWriter {
 public:
  // Throws ptk::Error naming `path` when it cannot be created.
  FeatureFileWriter(const std::string& path, int64_t dim);
  ~FeatureFileWriter();  // an unfinished file is removed
  FeatureFileWriter(const FeatureFileWriter&) = delete;
  FeatureFileWriter& operator=(const FeatureFileWriter&) = delete;

  // Appends `rows` rows of dim floats each.
  void append(const float* data, int64_t rows);
  int64_t rows() const { return rows_; }

  // Writes `ids` (one per row) and renames the file into place.
  void finish(const std::vector<std::string>& ids);
  void finish(const std::vector<int64_t>& ids);

 private:
  void close_and_rename();

  std::string path_;
  std::string temporary_;
  int64_t dim_;
  int64_t rows_ = 0;
  int64_t file_ = -1;
  int64_t features_ = -1;
};

}  // namespace ptk::recipes
