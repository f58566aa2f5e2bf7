#include "vision/eval/feature_cache.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstdio>
#include <filesystem>

#include "common/base/error.h"
#include "common/data/hdf5_support.h"

namespace ptk::vision {

namespace fs = std::filesystem;
using data::detail::H5Id;

namespace {

constexpr char kFormat[] = "ptk-features-v1";

std::string hex64(uint64_t value) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(value));
  return hex;
}

H5Id checked(hid_t id, herr_t (*closer)(hid_t), const std::string& what, const std::string& path) {
  if (id < 0) {
    throw error("feature cache '{}': {} failed: {}", path, what, data::detail::hdf5_error_text());
  }
  return H5Id(id, closer);
}

void check(herr_t status, const std::string& what, const std::string& path) {
  if (status < 0) {
    throw error("feature cache '{}': {} failed: {}", path, what, data::detail::hdf5_error_text());
  }
}

void write_string_attribute(hid_t file, const char* name, const std::string& value,
                            const std::string& path) {
  H5Id type = checked(H5Tcopy(H5T_C_S1), H5Tclose, "string type", path);
  check(H5Tset_size(type.get(), std::max<size_t>(1, value.size())), "string size", path);
  H5Id space = checked(H5Screate(H5S_SCALAR), H5Sclose, "dataspace", path);
  H5Id attr = checked(H5Acreate2(file, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                      H5Aclose, std::string("attribute ") + name, path);
  std::string padded = value;
  padded.resize(std::max<size_t>(1, value.size()), '\0');
  check(H5Awrite(attr.get(), type.get(), padded.data()), std::string("attribute ") + name, path);
}

// A fixed-length string attribute, or nullopt when absent or of another type.
std::optional<std::string> read_string_attribute(hid_t file, const char* name) {
  if (H5Aexists(file, name) <= 0) return std::nullopt;
  H5Id attr(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) return std::nullopt;
  H5Id type(H5Aget_type(attr.get()), H5Tclose);
  if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING ||
      H5Tis_variable_str(type.get()) > 0) {
    return std::nullopt;
  }
  std::string value(H5Tget_size(type.get()), '\0');
  if (H5Aread(attr.get(), type.get(), value.data()) < 0) return std::nullopt;
  return std::string(value.c_str());
}

void write_dataset(hid_t file, const char* name, hid_t type, int rank, const hsize_t* dims,
                   const void* values, const std::string& path) {
  H5Id space = checked(H5Screate_simple(rank, dims, nullptr), H5Sclose, "dataspace", path);
  H5Id dataset =
      checked(H5Dcreate2(file, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose, std::string("creating ") + name, path);
  bool empty = false;
  for (int i = 0; i < rank; ++i) empty = empty || dims[i] == 0;
  if (!empty) {
    check(H5Dwrite(dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values),
          std::string("writing ") + name, path);
  }
}

// Reads dataset `name` of `rank` dimensions into `out` (resized); false when it is absent or
// has another shape than `expected` (entries < 0 are free and filled in).
template <typename T>
bool read_dataset(hid_t file, const char* name, hid_t type, int rank, hsize_t* dims,
                  std::vector<T>& out) {
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return false;
  H5Id dataset(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) return false;
  H5Id space(H5Dget_space(dataset.get()), H5Sclose);
  if (!space.valid() || H5Sget_simple_extent_ndims(space.get()) != rank) return false;
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  size_t count = 1;
  for (int i = 0; i < rank; ++i) count *= dims[i];
  out.resize(count);
  if (count == 0) return true;
  return H5Dread(dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0;
}

}  // namespace

std::string describe_images(const std::string& root, const std::vector<LabeledImage>& images) {
  XXH64_state_t* state = XXH64_createState();
  XXH64_reset(state, 0);
  for (const LabeledImage& image : images) {
    std::error_code ec;
    const uintmax_t size = fs::file_size(image.path, ec);
    if (ec) {
      XXH64_freeState(state);
      throw error("{}: cannot examine image: {}", image.path, ec.message());
    }
    const auto mtime = fs::last_write_time(image.path, ec).time_since_epoch().count();
    const std::string relative = fs::path(image.path).lexically_relative(root).string();
    const std::string record = fmt::format("{}\t{}\t{}\t{}\n", relative, size, mtime, image.label);
    XXH64_update(state, record.data(), record.size());
  }
  const uint64_t hash = XXH64_digest(state);
  XXH64_freeState(state);
  return fmt::format("images={} listing_xxh64={}", images.size(), hex64(hash));
}

std::string feature_cache_path(const std::string& dir, const std::string& split,
                               const std::string& key) {
  return (fs::path(dir) / (split + "-" + hex64(XXH64(key.data(), key.size(), 0)) + ".h5")).string();
}

std::optional<CachedFeatures> read_feature_cache(const std::string& path, const std::string& key) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return std::nullopt;
  std::lock_guard<std::mutex> lock(data::detail::hdf5_mutex());
  data::detail::silence_hdf5_errors();
  H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  auto ignore = [&](const std::string& why) -> std::optional<CachedFeatures> {
    spdlog::warn("feature cache {}: {}; computing the features again", path, why);
    return std::nullopt;
  };
  if (!file.valid()) return ignore("not a readable HDF5 file");
  if (read_string_attribute(file.get(), "format") != std::string(kFormat)) {
    return ignore("not a feature cache");
  }
  if (read_string_attribute(file.get(), "key") != key) {
    return ignore("written for other weights, transform or data");
  }
  CachedFeatures features;
  hsize_t dims[2] = {0, 0};
  if (!read_dataset(file.get(), "features", H5T_NATIVE_FLOAT, 2, dims, features.values)) {
    return ignore("unreadable 'features'");
  }
  features.rows = static_cast<int64_t>(dims[0]);
  features.dim = static_cast<int64_t>(dims[1]);
  hsize_t label_dims[1] = {0};
  if (!read_dataset(file.get(), "labels", H5T_NATIVE_INT32, 1, label_dims, features.labels) ||
      static_cast<int64_t>(label_dims[0]) != features.rows) {
    return ignore("unreadable 'labels'");
  }
  return features;
}

void write_feature_cache(const std::string& path, const std::string& key,
                         const CachedFeatures& features) {
  fail_if(features.values.size() != static_cast<size_t>(features.rows * features.dim) ||
              features.labels.size() != static_cast<size_t>(features.rows),
          "feature cache '{}': features and labels disagree in size", path);
  write_feature_cache(path, key, features.rows, features.dim, features.values.data(),
                      features.labels.data());
}

void write_feature_cache(const std::string& path, const std::string& key, int64_t rows, int64_t dim,
                         const float* values, const int32_t* labels) {
  fail_if(rows < 0 || dim < 0, "feature cache '{}': negative size", path);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) throw error("feature cache '{}': cannot create its folder: {}", path, ec.message());
  const std::string temp = fmt::format("{}.tmp-{}", path, ::getpid());
  try {
    std::lock_guard<std::mutex> lock(data::detail::hdf5_mutex());
    data::detail::silence_hdf5_errors();
    H5Id file = checked(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                        "creating the file", temp);
    const hsize_t dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(dim)};
    write_dataset(file.get(), "features", H5T_NATIVE_FLOAT, 2, dims, values, temp);
    write_dataset(file.get(), "labels", H5T_NATIVE_INT32, 1, dims, labels, temp);
    write_string_attribute(file.get(), "format", kFormat, temp);
    write_string_attribute(file.get(), "key", key, temp);
    check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flushing", temp);
  } catch (const Error&) {
    fs::remove(temp, ec);  // never leave a partial file behind
    throw;
  }
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp);
    throw error("feature cache '{}': cannot rename the temporary: {}", path, ec.message());
  }
}

}  // namespace ptk::vision
