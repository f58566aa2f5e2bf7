#include "recipes/export/feature_file.h"

#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "common/base/error.h"

namespace ptk::recipes {

namespace {

void check(herr_t status, const std::string& path, const char* what) {
  fail_if(status < 0, "{}: HDF5 failed to {}", path, what);
}

}  // namespace

FeatureFileWriter::FeatureFileWriter(const std::string& path, int64_t dim)
    : path_(path), temporary_(fmt::format("{}.tmp-{}", path, ::getpid())), dim_(dim) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become ptk::Error, not stderr noise
  file_ = H5Fcreate(temporary_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  fail_if(file_ < 0, "export.out: cannot create HDF5 file '{}'", path);
  const hsize_t dims[2] = {0, static_cast<hsize_t>(dim)};
  const hsize_t max_dims[2] = {H5S_UNLIMITED, static_cast<hsize_t>(dim)};
  const hsize_t chunk[2] = {
      static_cast<hsize_t>(std::max<int64_t>(1, 65536 / std::max<int64_t>(dim, 1))),
      static_cast<hsize_t>(dim)};
  const hid_t space = H5Screate_simple(2, dims, max_dims);
  const hid_t properties = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(properties, 2, chunk);
  features_ =
      H5Dcreate2(file_, "features", H5T_IEEE_F32LE, space, H5P_DEFAULT, properties, H5P_DEFAULT);
  H5Pclose(properties);
  H5Sclose(space);
  fail_if(features_ < 0, "{}: HDF5 failed to create dataset 'features'", path);
}

FeatureFileWriter::~FeatureFileWriter() {
  if (features_ >= 0) H5Dclose(features_);
  if (file_ >= 0) {
    H5Fclose(file_);
    std::remove(temporary_.c_str());
  }
}

void FeatureFileWriter::append(const float* data, int64_t rows) {
  if (rows <= 0) return;
  const hsize_t size[2] = {static_cast<hsize_t>(rows_ + rows), static_cast<hsize_t>(dim_)};
  check(H5Dset_extent(features_, size), path_, "grow 'features'");
  const hid_t file_space = H5Dget_space(features_);
  const hsize_t start[2] = {static_cast<hsize_t>(rows_), 0};
  const hsize_t count[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(dim_)};
  H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr);
  const hid_t memory_space = H5Screate_simple(2, count, nullptr);
  const herr_t status =
      H5Dwrite(features_, H5T_NATIVE_FLOAT, memory_space, file_space, H5P_DEFAULT, data);
  H5Sclose(memory_space);
  H5Sclose(file_space);
  check(status, path_, "write 'features'");
  rows_ += rows;
}

void FeatureFileWriter::finish(const std::vector<std::string>& ids) {
  fail_if(static_cast<int64_t>(ids.size()) != rows_, "{}: ids do not match rows", path_);
  std::vector<const char*> pointers;
  for (const std::string& id : ids) pointers.push_back(id.c_str());
  const hsize_t n = ids.size();
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  const hid_t set = H5Dcreate2(file_, "ids", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const herr_t status =
      set < 0 ? -1 : (n ? H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) : 0);
  if (set >= 0) H5Dclose(set);
  H5Sclose(space);
  H5Tclose(type);
  check(status, path_, "write 'ids'");
  close_and_rename();
}

void FeatureFileWriter::finish(const std::vector<int64_t>& ids) {
  fail_if(static_cast<int64_t>(ids.size()) != rows_, "{}: ids do not match rows", path_);
  const hsize_t n = ids.size();
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  const hid_t set =
      H5Dcreate2(file_, "ids", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const herr_t status =
      set < 0
          ? -1
          : (n ? H5Dwrite(set, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids.data()) : 0);
  if (set >= 0) H5Dclose(set);
  H5Sclose(space);
  check(status, path_, "write 'ids'");
  close_and_rename();
}

void FeatureFileWriter::close_and_rename() {
  H5Dclose(features_);
  features_ = -1;
  const herr_t status = H5Fclose(file_);
  file_ = -1;
  check(status, path_, "close the file");
  std::error_code ec;
  std::filesystem::rename(temporary_, path_, ec);
  if (ec) {
    std::remove(temporary_.c_str());
    throw error("export.out: cannot write '{}': {}", path_, ec.message());
  }
}

}  // namespace ptk::recipes
