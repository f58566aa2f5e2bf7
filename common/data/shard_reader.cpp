#include "common/data/shard_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "common/base/error.h"
#include "common/data/hdf5_support.h"

namespace ptk::data {

using detail::H5Id;

namespace {

// Expected element type of a dataset; `string` means fixed-length byte strings.
struct Expected {
  const char* name;
  hid_t type;  // ignored for strings
  bool string;
  const char* type_text;
};

std::vector<Expected> expected_datasets(ShardKind kind) {
  if (kind == ShardKind::kImage) {
    return {{kImageBytes, H5T_STD_U8LE, false, "uint8"},
            {kImageOffsets, H5T_STD_U64LE, false, "uint64"},
            {kLabelIds, H5T_STD_I32LE, false, "int32"},
            {kLabelOffsets, H5T_STD_U64LE, false, "uint64"},
            {kKeys, -1, true, "fixed-length string"},
            {kChecksums, H5T_STD_U64LE, false, "uint64"}};
  }
  return {{kTokenIds, H5T_STD_I32LE, false, "int32"},
          {kTokenOffsets, H5T_STD_U64LE, false, "uint64"},
          {kSegmentBStart, H5T_STD_I32LE, false, "int32"},
          {kNspLabels, H5T_STD_I8LE, false, "int8"},
          {kChecksums, H5T_STD_U64LE, false, "uint64"}};
}

std::string describe_type(hid_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  const size_t size = H5Tget_size(type);
  if (cls == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    const bool big = H5Tget_order(type) == H5T_ORDER_BE;
    return fmt::format("{}{}{}", is_signed ? "int" : "uint", size * 8, big ? " big-endian" : "");
  }
  if (cls == H5T_FLOAT) return fmt::format("float{}", size * 8);
  if (cls == H5T_STRING) {
    return H5Tis_variable_str(type) > 0 ? std::string("variable-length string")
                                        : fmt::format("string[{}]", size);
  }
  return "an unsupported type class";
}

bool link_exists(hid_t file, const std::string& name) {
  // H5Lexists fails on "a/b" when "a" is missing, so walk the path.
  size_t pos = 0;
  while (true) {
    pos = name.find('/', pos + 1);
    const std::string prefix = name.substr(0, pos);
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

herr_t collect_attribute(hid_t location, const char* name, const H5A_info_t*, void* data) {
  auto* out = static_cast<std::map<std::string, std::string>*>(data);
  H5Id attr(H5Aopen(location, name, H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) return 0;
  H5Id type(H5Aget_type(attr.get()), H5Tclose);
  H5Id space(H5Aget_space(attr.get()), H5Sclose);
  const bool scalar = H5Sget_simple_extent_npoints(space.get()) == 1;
  const H5T_class_t cls = H5Tget_class(type.get());
  std::string text = "<" + describe_type(type.get()) + ">";
  if (cls == H5T_STRING && scalar && H5Tis_variable_str(type.get()) > 0) {
    char* value = nullptr;
    H5Id memtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memtype.get(), H5T_VARIABLE);
    if (H5Aread(attr.get(), memtype.get(), &value) >= 0 && value != nullptr) {
      text = value;
      H5free_memory(value);
    }
  } else if (cls == H5T_STRING && scalar) {
    std::string value(H5Tget_size(type.get()), '\0');
    if (H5Aread(attr.get(), type.get(), value.data()) >= 0) text = value.c_str();
  } else if (cls == H5T_INTEGER && scalar) {
    int64_t value = 0;
    if (H5Aread(attr.get(), H5T_NATIVE_INT64, &value) >= 0) text = std::to_string(value);
  }
  (*out)[name] = text;
  return 0;
}

}  // namespace

ShardReader::ShardReader(const std::string& path, bool read_ahead) : path_(path) {
  static_assert(sizeof(int32_t) == 4, "");
  {
    const uint16_t probe = 1;
    uint8_t first = 0;
    std::memcpy(&first, &probe, 1);
    fail_if(first != 1, "shard reader: this host is big endian; shards are little endian");
  }
  struct stat st {};
  fail_if(::stat(path.c_str(), &st) != 0, "shard '{}' does not exist", path);
  file_bytes_ = static_cast<uint64_t>(st.st_size);
  open_with_hdf5();

  const int fd = ::open(path.c_str(), O_RDONLY);
  fail_if(fd < 0, "shard '{}': cannot open for reading", path);
  map_bytes_ = static_cast<size_t>(file_bytes_);
  void* map = ::mmap(nullptr, map_bytes_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  fail_if(map == MAP_FAILED, "shard '{}': cannot memory-map the file", path);
  base_ = static_cast<const uint8_t*>(map);
  if (read_ahead) ::madvise(map, map_bytes_, MADV_WILLNEED);  // advice only: errors do not matter

  auto get = [&](const char* name) { return datasets_.at(name); };
  checksums_ = get(kChecksums);
  num_records_ = checksums_.count;
  try {
    if (kind_ == ShardKind::kImage) {
      data_ = get(kImageBytes);
      data_offsets_ = get(kImageOffsets);
      ints_ = get(kLabelIds);
      int_offsets_ = get(kLabelOffsets);
      keys_ = get(kKeys);
      check_offsets(data_offsets_, data_, kImageOffsets, kImageBytes);
      check_offsets(int_offsets_, ints_, kLabelOffsets, kLabelIds);
      if (keys_.count != num_records_) {
        throw error("shard '{}': dataset '{}' has {} entries for {} records", path_, kKeys,
                    keys_.count, num_records_);
      }
    } else {
      ints_ = get(kTokenIds);
      int_offsets_ = get(kTokenOffsets);
      b_start_ = get(kSegmentBStart);
      nsp_ = get(kNspLabels);
      check_offsets(int_offsets_, ints_, kTokenOffsets, kTokenIds);
      for (const auto* d : {&b_start_, &nsp_}) {
        if (d->count != num_records_) {
          throw error("shard '{}': dataset '{}' has {} entries for {} records", path_,
                      d == &b_start_ ? kSegmentBStart : kNspLabels, d->count, num_records_);
        }
      }
    }
  } catch (...) {
    ::munmap(const_cast<uint8_t*>(base_), map_bytes_);
    base_ = nullptr;
    throw;
  }
}

ShardReader::~ShardReader() {
  if (base_ != nullptr) ::munmap(const_cast<uint8_t*>(base_), map_bytes_);
}

void ShardReader::open_with_hdf5() {
  const std::string where = "shard '" + path_ + "'";
  std::lock_guard<std::mutex> lock(detail::hdf5_mutex());
  detail::silence_hdf5_errors();
  H5Id file(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) {
    const std::string detail = detail::hdf5_error_text();
    throw error("{}: HDF5 cannot open it (truncated or damaged?){}", where,
                detail.empty() ? "" : ": " + detail);
  }
  H5Aiterate2(file.get(), H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, collect_attribute, &attributes_);
  const auto format = attributes_.find(kAttrFormat);
  if (format == attributes_.end()) {
    throw error("{}: root attribute '{}' is missing (not a ptk shard)", where, kAttrFormat);
  }
  if (format->second == kImageFormat) {
    kind_ = ShardKind::kImage;
  } else if (format->second == kTokenFormat) {
    kind_ = ShardKind::kToken;
  } else {
    throw error("{}: attribute '{}' is '{}', expected {} or {}", where, kAttrFormat, format->second,
                kImageFormat, kTokenFormat);
  }
  const auto version = attributes_.find(kAttrVersion);
  if (version != attributes_.end() && version->second != std::to_string(kShardFormatVersion)) {
    throw error("{}: shard format version {} is not supported", where, version->second);
  }

  for (const Expected& e : expected_datasets(kind_)) {
    const std::string ds = where + ", dataset '" + e.name + "'";
    fail_if(!link_exists(file.get(), e.name), "{}: missing", ds);
    H5Id dataset(H5Dopen2(file.get(), e.name, H5P_DEFAULT), H5Dclose);
    fail_if(!dataset.valid(), "{}: cannot be opened as a dataset", ds);
    H5Id type(H5Dget_type(dataset.get()), H5Tclose);
    bool type_ok = false;
    if (e.string) {
      type_ok = H5Tget_class(type.get()) == H5T_STRING && H5Tis_variable_str(type.get()) == 0;
    } else {
      type_ok = H5Tequal(type.get(), e.type) > 0;
    }
    if (!type_ok) {
      throw error("{}: wrong type {}, expected {} little-endian", ds, describe_type(type.get()),
                  e.type_text);
    }
    H5Id dcpl(H5Dget_create_plist(dataset.get()), H5Pclose);
    if (H5Pget_nfilters(dcpl.get()) > 0) {
      throw error("{}: compressed or filtered; shards must be uncompressed (rewrite it)", ds);
    }
    const H5D_layout_t layout = H5Pget_layout(dcpl.get());
    if (layout != H5D_CONTIGUOUS) {
      throw error("{}: layout is {}; shards must be contiguous (rewrite it)", ds,
                  layout == H5D_CHUNKED   ? "chunked"
                  : layout == H5D_COMPACT ? "compact"
                                          : "virtual");
    }
    H5Id space(H5Dget_space(dataset.get()), H5Sclose);
    fail_if(H5Sget_simple_extent_ndims(space.get()) != 1, "{}: must be one-dimensional", ds);
    hsize_t dims[1] = {0};
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    Dataset d;
    d.count = dims[0];
    d.width = H5Tget_size(type.get());
    const uint64_t bytes = d.count * d.width;
    const haddr_t offset = H5Dget_offset(dataset.get());
    if (bytes > 0) {
      fail_if(offset == HADDR_UNDEF, "{}: has no storage allocated in the file", ds);
      if (offset + bytes > file_bytes_ || offset + bytes < offset) {
        throw error(
            "{}: data at bytes [{}, {}) lies outside the file of {} bytes (truncated file?)", ds,
            offset, offset + bytes, file_bytes_);
      }
      if (!e.string && offset % d.width != 0) {
        throw error("{}: file offset {} is not aligned to {} bytes", ds, offset, d.width);
      }
      d.offset = offset;
    }
    datasets_[e.name] = d;
    layout_.push_back({e.name, describe_type(type.get()), d.count, d.offset, bytes});
  }
  const auto num = attributes_.find(kAttrNumSamples);
  const uint64_t n = datasets_.at(kChecksums).count;
  if (num != attributes_.end() && num->second != std::to_string(n)) {
    throw error("{}: attribute num_samples is {} but dataset '{}' has {} entries", where,
                num->second, kChecksums, n);
  }
}

void ShardReader::check_offsets(const Dataset& offsets, const Dataset& data,
                                const char* offsets_name, const char* data_name) const {
  const std::string ds = "shard '" + path_ + "', dataset '" + offsets_name + "'";
  if (offsets.count != num_records_ + 1) {
    throw error("{}: has {} entries, expected {} (records + 1)", ds, offsets.count,
                num_records_ + 1);
  }
  const uint64_t* o = at<uint64_t>(offsets);
  uint64_t previous = 0;
  for (uint64_t i = 0; i < offsets.count; ++i) {
    if (o[i] < previous || o[i] > data.count || (i == 0 && o[i] != 0)) {
      throw error("{}: entry {} = {} points outside '{}' ({} elements) or goes backwards", ds, i,
                  o[i], data_name, data.count);
    }
    previous = o[i];
  }
}

RecordView ShardReader::record(uint64_t index) const {
  if (index >= num_records_) {
    throw error("shard '{}': record {} out of range ({} records)", path_, index, num_records_);
  }
  RecordView r;
  r.kind = kind_;
  std::memcpy(&r.checksum, base_ + checksums_.offset + index * 8, 8);
  const uint64_t* io = at<uint64_t>(int_offsets_);
  if (kind_ == ShardKind::kImage) {
    const uint64_t* bo = at<uint64_t>(data_offsets_);
    r.image_bytes = {base_ + data_.offset + bo[index], bo[index + 1] - bo[index]};
    r.labels = {at<int32_t>(ints_) + io[index], io[index + 1] - io[index]};
    const char* key = reinterpret_cast<const char*>(base_ + keys_.offset + index * keys_.width);
    r.key = std::string_view(key, strnlen(key, keys_.width));
  } else {
    r.tokens = {at<int32_t>(ints_) + io[index], io[index + 1] - io[index]};
    std::memcpy(&r.b_start, base_ + b_start_.offset + index * 4, 4);
    std::memcpy(&r.nsp_label, base_ + nsp_.offset + index, 1);
  }
  return r;
}

bool ShardReader::verify(uint64_t index) const {
  const RecordView r = record(index);
  return record_checksum(r) == r.checksum;
}

ShardSet::ShardSet(const std::string& dir, size_t max_open_shards, bool read_ahead_shards)
    : dir_(dir),
      manifest_(Manifest::load(dir)),
      max_open_(max_open_shards),
      read_ahead_(read_ahead_shards),
      open_(max_open_shards) {
  if (max_open_ < 1) throw usage_error("shard set '{}': at most 0 open shards asked for", dir);
  prefix_.assign(1, 0);
  for (const auto& s : manifest_.shards) prefix_.push_back(prefix_.back() + s.num_samples);
}

void ShardSet::check_files() const {
  std::vector<std::string> problems;
  for (size_t i = 0; i < manifest_.shards.size(); ++i) {
    const std::string path = shard_path(i);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      problems.push_back("shard '" + path + "' is missing");
    } else if (static_cast<uint64_t>(st.st_size) != manifest_.shards[i].bytes) {
      problems.push_back(fmt::format(
          "shard '{}' has {} bytes but {} lists {}{}", path, st.st_size, kManifestName,
          manifest_.shards[i].bytes,
          static_cast<uint64_t>(st.st_size) < manifest_.shards[i].bytes ? " (truncated)" : ""));
    }
  }
  if (problems.empty()) return;
  std::string message = fmt::format("shard set '{}': {} of {} shards unusable", dir_,
                                    problems.size(), manifest_.shards.size());
  constexpr size_t kShown = 10;
  for (size_t i = 0; i < problems.size() && i < kShown; ++i) message += "\n  " + problems[i];
  if (problems.size() > kShown) {
    message += fmt::format("\n  ... and {} more", problems.size() - kShown);
  }
  throw error("{}\n  (ptk-shards verify checks the whole set)", message);
}

std::vector<uint64_t> ShardSet::shard_sizes() const {
  std::vector<uint64_t> sizes;
  for (const auto& s : manifest_.shards) sizes.push_back(s.num_samples);
  return sizes;
}

std::string ShardSet::shard_path(size_t shard) const {
  return (std::filesystem::path(dir_) / manifest_.shards.at(shard).file).string();
}

SampleLocation ShardSet::locate(uint64_t global_index) const {
  if (global_index >= num_samples()) {
    throw error("shard set '{}': sample {} out of range ({} samples)", dir_, global_index,
                num_samples());
  }
  const auto it = std::upper_bound(prefix_.begin(), prefix_.end(), global_index);
  const auto shard = static_cast<uint32_t>(it - prefix_.begin() - 1);
  return {shard, global_index - prefix_[shard]};
}

std::shared_ptr<const ShardReader> ShardSet::shard(size_t index) const {
  if (index >= num_shards()) {
    throw error("shard set '{}': shard {} out of range", dir_, index);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (const auto* open = open_.find(index)) return *open;
    const auto failed = errors_.find(index);
    if (failed != errors_.end()) throw error(failed->second);
  }
  // Opened outside the lock: validation reads the offsets, and other threads keep reading
  // shards that are open. Two threads may open the same shard; the first one in is kept.
  std::shared_ptr<const ShardReader> reader;
  try {
    reader = open_shard(index);
  } catch (const Error& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    errors_.emplace(index, e.what());
    throw;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return open_.insert(index, std::move(reader));
}

std::shared_ptr<const ShardReader> ShardSet::open_shard(size_t index) const {
  auto reader = std::make_unique<ShardReader>(shard_path(index), read_ahead_);
  const uint64_t expected = manifest_.shards[index].num_samples;
  if (reader->num_records() != expected) {
    throw error("shard '{}' has {} records but {} lists {}", shard_path(index),
                reader->num_records(), kManifestName, expected);
  }
  if (reader->kind() != manifest_.kind) {
    throw error("shard '{}' is a {} shard in a {} shard set", shard_path(index),
                kind_name(reader->kind()), kind_name(manifest_.kind));
  }
  {
    std::lock_guard<std::mutex> lock(census_->mutex);
    ++census_->opens;
    census_->peak = std::max(census_->peak, ++census_->alive);
  }
  std::shared_ptr<Census> census = census_;
  return std::shared_ptr<const ShardReader>(reader.release(), [census](const ShardReader* r) {
    delete r;
    std::lock_guard<std::mutex> lock(census->mutex);
    --census->alive;
  });
}

size_t ShardSet::open_shards() const {
  std::lock_guard<std::mutex> lock(census_->mutex);
  return census_->alive;
}

size_t ShardSet::peak_open_shards() const {
  std::lock_guard<std::mutex> lock(census_->mutex);
  return census_->peak;
}

uint64_t ShardSet::shard_opens() const {
  std::lock_guard<std::mutex> lock(census_->mutex);
  return census_->opens;
}

}  // namespace ptk::data
