#include "common/data/shard_writer.h"
#include "common/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/base/error.h"
#include "common/data/hdf5_support.h"

namespace ptk::data {

using detail::H5Id;

ShardSetWriter::ShardSetWriter(ShardWriterOptions options) : options_(std::move(options)) {
  if (options_.dir.empty()) throw usage_error("shard writer: no output directory given");
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) throw error("cannot create shard directory '{}': {}", options_.dir, ec.message());
  // A manifest from an earlier run would describe shards this run is about to replace.
  if (options_.write_manifest) {
    std::filesystem::remove(std::filesystem::path(options_.dir) / kManifestName, ec);
  }
  manifest_.kind = options_.kind;
  manifest_.attributes = options_.attributes;
  manifest_.files = options_.files;
  manifest_.built_by = options_.built_by;
}

ShardSetWriter::~ShardSetWriter() = default;

void ShardSetWriter::start_record(uint64_t payload_bytes) {
  if (finished_) throw error("shard writer for '{}': add() after finish()", options_.dir);
  const uint64_t n = checksums_.size();
  const bool full_records = options_.max_shard_records > 0 && n >= options_.max_shard_records;
  const bool full_bytes = options_.max_shard_bytes > 0 && n > 0 &&
                          shard_payload_ + payload_bytes > options_.max_shard_bytes;
  if (full_records || full_bytes) flush_shard();
  shard_payload_ += payload_bytes;
  ++records_added_;
}

void ShardSetWriter::add(const ImageRecord& record) {
  if (options_.kind != ShardKind::kImage) {
    throw error("shard writer for '{}': image record given to a token shard set", options_.dir);
  }
  if (record.key.find('\0') != std::string::npos) {
    throw error("shard writer for '{}': record key contains a NUL byte", options_.dir);
  }
  start_record(record.bytes.size() + record.labels.size() * sizeof(int32_t) + record.key.size());
  bytes_.insert(bytes_.end(), record.bytes.begin(), record.bytes.end());
  byte_offsets_.push_back(bytes_.size());
  ints_.insert(ints_.end(), record.labels.begin(), record.labels.end());
  int_offsets_.push_back(ints_.size());
  keys_.push_back(record.key);
  checksums_.push_back(record_checksum(record));
}

void ShardSetWriter::add(const TokenRecord& record) {
  if (options_.kind != ShardKind::kToken) {
    throw error("shard writer for '{}': token record given to an image shard set", options_.dir);
  }
  start_record(record.tokens.size() * sizeof(int32_t) + sizeof(int32_t) + 1);
  ints_.insert(ints_.end(), record.tokens.begin(), record.tokens.end());
  int_offsets_.push_back(ints_.size());
  b_start_.push_back(record.b_start);
  nsp_.push_back(record.nsp_label);
  checksums_.push_back(record_checksum(record));
}

namespace {

void check(herr_t status, const std::string& what, const std::string& path) {
  if (status < 0) {
    throw error("writing shard '{}': {} failed: {}", path, what, detail::hdf5_error_text());
  }
}

H5Id checked(hid_t id, herr_t (*closer)(hid_t), const std::string& what, const std::string& path) {
  if (id < 0) {
    throw error("writing shard '{}': {} failed: {}", path, what, detail::hdf5_error_text());
  }
  return H5Id(id, closer);
}

// The group a dataset sits in ("tokens" for "tokens/ids"), created on first use without time
// stamps like every other object, so equal records give equal files.
void ensure_parent_group(hid_t file, const std::string& dataset, const std::string& path) {
  const size_t slash = dataset.rfind('/');
  if (slash == std::string::npos) return;
  const std::string group = dataset.substr(0, slash);
  if (H5Lexists(file, group.c_str(), H5P_DEFAULT) > 0) return;
  H5Id gcpl = checked(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "group properties", path);
  check(H5Pset_obj_track_times(gcpl.get(), 0), "no time stamps", path);
  checked(H5Gcreate2(file, group.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
          "creating group " + group, path);
}

// A contiguous dataset allocated at creation (so H5Dget_offset is defined) and written whole.
void write_dataset(hid_t file, const char* name, hid_t type, size_t count, const void* data,
                   const std::string& path) {
  const hsize_t dims[1] = {count};
  ensure_parent_group(file, name, path);
  H5Id space = checked(H5Screate_simple(1, dims, nullptr), H5Sclose, "dataspace", path);
  H5Id dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "dataset properties", path);
  check(H5Pset_obj_track_times(dcpl.get(), 0), "no time stamps", path);
  check(H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS), "contiguous layout", path);
  check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), "early allocation", path);
  check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), "fill time", path);
  H5Id dataset =
      checked(H5Dcreate2(file, name, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
              H5Dclose, std::string("creating ") + name, path);
  if (count > 0) {
    check(H5Dwrite(dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
          std::string("writing ") + name, path);
  }
}

void write_string_attribute(hid_t file, const std::string& name, const std::string& value,
                            const std::string& path) {
  H5Id type = checked(H5Tcopy(H5T_C_S1), H5Tclose, "string type", path);
  check(H5Tset_size(type.get(), std::max<size_t>(1, value.size())), "string size", path);
  check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "string padding", path);
  H5Id space = checked(H5Screate(H5S_SCALAR), H5Sclose, "scalar dataspace", path);
  H5Id attr =
      checked(H5Acreate2(file, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose, "attribute " + name, path);
  std::string padded = value;
  padded.resize(std::max<size_t>(1, value.size()), '\0');
  check(H5Awrite(attr.get(), type.get(), padded.data()), "attribute " + name, path);
}

void write_scalar_attribute(hid_t file, const char* name, hid_t type, const void* value,
                            const std::string& path) {
  H5Id space = checked(H5Screate(H5S_SCALAR), H5Sclose, "scalar dataspace", path);
  H5Id attr = checked(H5Acreate2(file, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                      std::string("attribute ") + name, path);
  check(H5Awrite(attr.get(), type, value), std::string("attribute ") + name, path);
}

void fsync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  fail_if(fd < 0, "cannot open '{}' to flush it", path);
  const int rc = ::fsync(fd);
  ::close(fd);
  fail_if(rc != 0, "cannot flush '{}' to disk", path);
}

}  // namespace

std::vector<uint8_t> ShardSetWriter::shard_image(const std::string& path) const {
  std::lock_guard<std::mutex> lock(detail::hdf5_mutex());
  detail::silence_hdf5_errors();
  H5Id fapl = checked(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "file access properties", path);
  // Every object at least 1 byte long starts on a 64-byte boundary: typed records can then be
  // read in place from the memory map.
  check(H5Pset_alignment(fapl.get(), 1, kDatasetAlignment), "alignment", path);
  // The file is built in memory and written by us: HDF5 then never meets a full disk, whose
  // failed writes leave its file table in a state that crashes the library at exit.
  check(H5Pset_fapl_core(fapl.get(), std::max<size_t>(1 << 20, bytes_.size() / 8 + (1 << 20)),
                         /*backing_store=*/0),
        "in-memory driver", path);
  // Object time stamps are off everywhere: a rebuilt data set is then identical byte for byte
  // and its manifest checksums match the first build's.
  H5Id fcpl = checked(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "file creation properties", path);
  check(H5Pset_obj_track_times(fcpl.get(), 0), "no time stamps", path);
  H5Id file = checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose,
                      "creating the file", path);
  const hid_t f = file.get();
  const uint64_t n = checksums_.size();
  if (options_.kind == ShardKind::kImage) {
    write_dataset(f, kImageBytes, H5T_STD_U8LE, bytes_.size(), bytes_.data(), path);
    write_dataset(f, kImageOffsets, H5T_STD_U64LE, byte_offsets_.size(), byte_offsets_.data(),
                  path);
    write_dataset(f, kLabelIds, H5T_STD_I32LE, ints_.size(), ints_.data(), path);
    write_dataset(f, kLabelOffsets, H5T_STD_U64LE, int_offsets_.size(), int_offsets_.data(), path);
    size_t width = 1;
    for (const auto& key : keys_) width = std::max(width, key.size());
    std::vector<char> keys(width * n, '\0');
    for (size_t i = 0; i < n; ++i)
      std::memcpy(keys.data() + i * width, keys_[i].data(), keys_[i].size());
    H5Id type = checked(H5Tcopy(H5T_C_S1), H5Tclose, "string type", path);
    check(H5Tset_size(type.get(), width), "string size", path);
    check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "string padding", path);
    write_dataset(f, kKeys, type.get(), n, keys.data(), path);
  } else {
    write_dataset(f, kTokenIds, H5T_STD_I32LE, ints_.size(), ints_.data(), path);
    write_dataset(f, kTokenOffsets, H5T_STD_U64LE, int_offsets_.size(), int_offsets_.data(), path);
    write_dataset(f, kSegmentBStart, H5T_STD_I32LE, n, b_start_.data(), path);
    write_dataset(f, kNspLabels, H5T_STD_I8LE, n, nsp_.data(), path);
  }
  write_dataset(f, kChecksums, H5T_STD_U64LE, n, checksums_.data(), path);
  write_string_attribute(f, kAttrFormat,
                         options_.kind == ShardKind::kImage ? kImageFormat : kTokenFormat, path);
  const int32_t version = kShardFormatVersion;
  write_scalar_attribute(f, kAttrVersion, H5T_STD_I32LE, &version, path);
  write_scalar_attribute(f, kAttrNumSamples, H5T_STD_U64LE, &n, path);
  for (const auto& [name, value] : options_.attributes) {
    write_string_attribute(f, name, value, path);
  }
  check(H5Fflush(f, H5F_SCOPE_GLOBAL), "flushing", path);
  const ssize_t size = H5Fget_file_image(f, nullptr, 0);
  fail_if(size <= 0, "writing shard '{}': HDF5 gave no file image", path);
  std::vector<uint8_t> image(static_cast<size_t>(size));
  if (H5Fget_file_image(f, image.data(), image.size()) != size) {
    throw error("writing shard '{}': HDF5 gave a short file image", path);
  }
  return image;
}

void ShardSetWriter::flush_shard() {
  const uint64_t n = checksums_.size();
  if (n == 0) return;
  char name[64];
  std::snprintf(name, sizeof(name), "%s-%05zu.h5", options_.prefix.c_str(),
                manifest_.shards.size());
  const std::string final_path = (std::filesystem::path(options_.dir) / name).string();
  const std::vector<uint8_t> image = shard_image(final_path);
  ManifestShard entry;
  entry.file = name;
  entry.num_samples = n;
  entry.bytes = image.size();
  entry.xxh64 = bytes_checksum(image.data(), image.size());
  // Temporary file, fsync, rename: the shard is complete or absent, and a full disk is an
  // error naming it.
  io::write_file_atomic(final_path, image.data(), image.size());
  manifest_.shards.push_back(entry);

  shard_payload_ = 0;
  bytes_.clear();
  byte_offsets_.assign(1, 0);
  ints_.clear();
  int_offsets_.assign(1, 0);
  keys_.clear();
  b_start_.clear();
  nsp_.clear();
  checksums_.clear();
}

Manifest ShardSetWriter::finish() {
  fail_if(finished_, "shard writer for '{}': finish() called twice", options_.dir);
  flush_shard();
  finished_ = true;
  if (options_.write_manifest) manifest_.save(options_.dir);
  fsync_path(options_.dir);
  return manifest_;
}

}  // namespace ptk::data
