// libFuzzer target for the shard reader's validation. HDF5's own parser is not the subject, so
// the input does not become file bytes: it chooses the contents of a structurally valid HDF5
// file with the datasets and attributes of an image or token shard (offsets, lengths, types,
// layouts, attributes, checksums, sometimes a dataset missing), which ShardReader then opens.
// It must reject every defect with a ptk::Error, and serve exactly the written records when
// it accepts.
#include <fuzzer/FuzzedDataProvider.h>
#include <hdf5.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/data/shard_format.h"
#include "common/data/shard_reader.h"
#include "tests/fuzz/fuzz_support.h"

using ptk::data::ShardKind;
using ptk::fuzz::expect;

namespace {

// How a dataset is stored. kContiguous is what the writer does; every other layout except a
// late allocation of an empty dataset must be rejected.
enum class Storage {
  kContiguous,
  kLateAllocation,  // no storage until written, and never written
  kMissing,
  kWrongType,
  kChunked,
  kCompressed,
  kCompact,
  kTwoDimensional,
  kScalar,
  kGroup,  // a group where the dataset should be
};

struct DatasetPlan {
  const char* name;
  hid_t type;  // file and memory type; strings get their own type
  size_t width;
  bool string = false;
  std::vector<uint8_t> bytes;  // little-endian elements, as written
  Storage storage = Storage::kContiguous;

  uint64_t count() const { return bytes.size() / width; }
  template <class T>
  T element(uint64_t i) const {
    T value;
    std::memcpy(&value, bytes.data() + i * sizeof(T), sizeof(T));
    return value;
  }
};

template <class T>
void append(DatasetPlan& plan, T value) {
  const auto* p = reinterpret_cast<const uint8_t*>(&value);
  plan.bytes.insert(plan.bytes.end(), p, p + sizeof(T));
}

struct H5Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~H5Handle() {
    if (id >= 0) close(id);
  }
};

hid_t string_type(size_t width) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, width);
  H5Tset_strpad(type, H5T_STR_NULLPAD);
  return type;
}

hid_t wrong_type_for(const DatasetPlan& plan, uint8_t choice) {
  if (plan.string) return choice % 2 ? H5Tcopy(H5T_STD_U8LE) : H5Tcopy(H5T_C_S1);
  const hid_t candidates[] = {H5T_STD_I64LE, H5T_STD_U32LE,  H5T_STD_U64BE, H5T_STD_I8LE,
                              H5T_STD_U16LE, H5T_IEEE_F64LE, H5T_STD_I32BE, H5T_STD_U8LE};
  hid_t type = candidates[choice % 8];
  if (H5Tequal(type, plan.type) > 0) type = H5T_IEEE_F32LE;
  return H5Tcopy(type);
}

// Creates one dataset as planned. Returns false when HDF5 refuses the combination; the dataset
// is then absent, which the plan records as kMissing.
bool create_dataset(hid_t file, DatasetPlan& plan, uint8_t type_choice) {
  H5Handle lcpl{H5Pcreate(H5P_LINK_CREATE), H5Pclose};
  H5Pset_create_intermediate_group(lcpl.id, 1);
  if (plan.storage == Storage::kMissing) return true;
  if (plan.storage == Storage::kGroup) {
    H5Handle group{H5Gcreate2(file, plan.name, lcpl.id, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
    return group.id >= 0;
  }
  const hsize_t count = plan.count();
  hsize_t dims[2] = {count, 1};
  hsize_t max_dims[2] = {H5S_UNLIMITED, 1};
  const bool chunked = plan.storage == Storage::kChunked || plan.storage == Storage::kCompressed;
  H5Handle space{plan.storage == Storage::kScalar ? H5Screate(H5S_SCALAR)
                 : plan.storage == Storage::kTwoDimensional
                     ? H5Screate_simple(2, dims, nullptr)
                     : H5Screate_simple(1, dims, chunked ? max_dims : nullptr),
                 H5Sclose};
  H5Handle dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
  if (chunked) {
    const hsize_t chunk[1] = {4};
    H5Pset_chunk(dcpl.id, 1, chunk);
    if (plan.storage == Storage::kCompressed) {
      H5Pset_shuffle(dcpl.id);
      H5Pset_deflate(dcpl.id, 1);
    }
  } else if (plan.storage == Storage::kCompact) {
    H5Pset_layout(dcpl.id, H5D_COMPACT);
  } else {
    H5Pset_layout(dcpl.id, H5D_CONTIGUOUS);
    H5Pset_alloc_time(dcpl.id, plan.storage == Storage::kLateAllocation ? H5D_ALLOC_TIME_LATE
                                                                        : H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(dcpl.id, H5D_FILL_TIME_NEVER);
  }
  H5Handle memory_type{plan.string ? string_type(plan.width) : H5Tcopy(plan.type), H5Tclose};
  H5Handle file_type{plan.storage == Storage::kWrongType ? wrong_type_for(plan, type_choice)
                                                         : H5Tcopy(memory_type.id),
                     H5Tclose};
  if (plan.storage == Storage::kWrongType && H5Tget_class(file_type.id) == H5T_STRING) {
    H5Tset_size(file_type.id, H5T_VARIABLE);
  }
  H5Handle dataset{
      H5Dcreate2(file, plan.name, file_type.id, space.id, lcpl.id, dcpl.id, H5P_DEFAULT), H5Dclose};
  if (dataset.id < 0) return false;
  const bool conversion_possible = H5Tget_class(file_type.id) == H5Tget_class(memory_type.id) &&
                                   !(plan.string && plan.storage == Storage::kWrongType);
  if (plan.storage != Storage::kLateAllocation && plan.storage != Storage::kScalar && count > 0 &&
      conversion_possible) {
    H5Dwrite(dataset.id, memory_type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, plan.bytes.data());
  }
  return true;
}

template <class T>
void scalar_attribute(hid_t file, const char* name, hid_t type, T value) {
  H5Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  H5Handle attr{H5Acreate2(file, name, type, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  H5Awrite(attr.id, type, &value);
}

void string_attribute(hid_t file, const char* name, const std::string& value, bool variable) {
  H5Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  H5Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, variable ? H5T_VARIABLE : std::max<size_t>(1, value.size()));
  H5Handle attr{H5Acreate2(file, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  if (variable) {
    const char* text = value.c_str();
    H5Awrite(attr.id, type.id, &text);
  } else {
    std::string padded = value;
    padded.resize(std::max<size_t>(1, value.size()), '\0');
    H5Awrite(attr.id, type.id, padded.data());
  }
}

// What the root attributes say, as the reader renders them ("" = absent).
struct AttributePlan {
  std::string format;
  std::optional<std::string> version;
  std::optional<std::string> num_samples;
  bool as_the_writer_writes = false;  // format, version and num_samples all as ShardWriter does
};

AttributePlan write_attributes(hid_t file, FuzzedDataProvider& in, ShardKind kind,
                               uint64_t num_records) {
  AttributePlan plan;
  bool version_as_written = false, samples_as_written = false;
  const char* own = kind == ShardKind::kImage ? ptk::data::kImageFormat : ptk::data::kTokenFormat;
  const char* other = kind == ShardKind::kImage ? ptk::data::kTokenFormat : ptk::data::kImageFormat;
  switch (in.ConsumeIntegralInRange(0, 7)) {
    case 1:
      break;  // missing
    case 2:
      string_attribute(file, ptk::data::kAttrFormat, other, false);
      plan.format = other;
      break;
    case 3:
      string_attribute(file, ptk::data::kAttrFormat, own, true);
      plan.format = own;
      break;
    case 4: {
      const std::string text = in.ConsumeRandomLengthString(24);
      string_attribute(file, ptk::data::kAttrFormat, text, in.ConsumeBool());
      // An HDF5 string ends at its first NUL, whatever padding follows.
      plan.format = text.substr(0, text.find('\0'));
      break;
    }
    case 5:
      scalar_attribute(file, ptk::data::kAttrFormat, H5T_STD_I32LE, int32_t{1});
      plan.format = "<int32>";
      break;
    default:
      string_attribute(file, ptk::data::kAttrFormat, own, false);
      plan.format = own;
      plan.as_the_writer_writes = true;
      break;
  }
  switch (in.ConsumeIntegralInRange(0, 5)) {
    case 1:
      break;
    case 2: {
      const int32_t version = in.ConsumeIntegralInRange<int32_t>(-2, 3);
      scalar_attribute(file, ptk::data::kAttrVersion, H5T_STD_I32LE, version);
      plan.version = std::to_string(version);
      break;
    }
    case 3:
      string_attribute(file, ptk::data::kAttrVersion, "1", in.ConsumeBool());
      plan.version = "1";
      break;
    case 4:
      scalar_attribute(file, ptk::data::kAttrVersion, H5T_IEEE_F64LE, 1.0);
      plan.version = "<float64>";
      break;
    default:
      scalar_attribute(file, ptk::data::kAttrVersion, H5T_STD_I32LE,
                       int32_t{ptk::data::kShardFormatVersion});
      plan.version = std::to_string(ptk::data::kShardFormatVersion);
      version_as_written = true;
      break;
  }
  switch (in.ConsumeIntegralInRange(0, 5)) {
    case 1:
      break;
    case 2: {
      const uint64_t n = in.ConsumeIntegralInRange<uint64_t>(0, 12);
      scalar_attribute(file, ptk::data::kAttrNumSamples, H5T_STD_U64LE, n);
      plan.num_samples = std::to_string(n);
      break;
    }
    case 3:
      string_attribute(file, ptk::data::kAttrNumSamples, std::to_string(num_records), false);
      plan.num_samples = std::to_string(num_records);
      break;
    default:
      scalar_attribute(file, ptk::data::kAttrNumSamples, H5T_STD_U64LE, num_records);
      plan.num_samples = std::to_string(num_records);
      samples_as_written = true;
      break;
  }
  plan.as_the_writer_writes = plan.as_the_writer_writes && version_as_written && samples_as_written;
  return plan;
}

// A valid shard's datasets for `n` records with fuzz-chosen sizes and contents.
std::vector<DatasetPlan> valid_datasets(FuzzedDataProvider& in, ShardKind kind, uint64_t n) {
  std::vector<DatasetPlan> plans;
  if (kind == ShardKind::kImage) {
    DatasetPlan bytes{ptk::data::kImageBytes, H5T_STD_U8LE, 1};
    DatasetPlan byte_offsets{ptk::data::kImageOffsets, H5T_STD_U64LE, 8};
    DatasetPlan labels{ptk::data::kLabelIds, H5T_STD_I32LE, 4};
    DatasetPlan label_offsets{ptk::data::kLabelOffsets, H5T_STD_U64LE, 8};
    const size_t key_width = in.ConsumeIntegralInRange<size_t>(1, 6);
    DatasetPlan keys{ptk::data::kKeys, -1, key_width, true};
    DatasetPlan checksums{ptk::data::kChecksums, H5T_STD_U64LE, 8};
    append<uint64_t>(byte_offsets, 0);
    append<uint64_t>(label_offsets, 0);
    for (uint64_t i = 0; i < n; ++i) {
      ptk::data::ImageRecord record;
      record.bytes.resize(in.ConsumeIntegralInRange<size_t>(0, 9));
      for (auto& b : record.bytes) b = in.ConsumeIntegral<uint8_t>();
      record.labels.resize(in.ConsumeIntegralInRange<size_t>(0, 3));
      for (auto& l : record.labels) l = in.ConsumeIntegralInRange<int32_t>(-1, 1000);
      for (size_t k = 0; k < key_width; ++k) {
        const char c = in.ConsumeIntegral<char>();
        if (c == '\0') break;
        record.key.push_back(c);
      }
      bytes.bytes.insert(bytes.bytes.end(), record.bytes.begin(), record.bytes.end());
      append<uint64_t>(byte_offsets, bytes.count());
      for (const int32_t l : record.labels) append(labels, l);
      append<uint64_t>(label_offsets, labels.count());
      std::string padded = record.key;
      padded.resize(key_width, '\0');
      keys.bytes.insert(keys.bytes.end(), padded.begin(), padded.end());
      append(checksums, ptk::data::record_checksum(record));
    }
    plans = {bytes, byte_offsets, labels, label_offsets, keys, checksums};
  } else {
    DatasetPlan tokens{ptk::data::kTokenIds, H5T_STD_I32LE, 4};
    DatasetPlan offsets{ptk::data::kTokenOffsets, H5T_STD_U64LE, 8};
    DatasetPlan b_start{ptk::data::kSegmentBStart, H5T_STD_I32LE, 4};
    DatasetPlan nsp{ptk::data::kNspLabels, H5T_STD_I8LE, 1};
    DatasetPlan checksums{ptk::data::kChecksums, H5T_STD_U64LE, 8};
    append<uint64_t>(offsets, 0);
    for (uint64_t i = 0; i < n; ++i) {
      ptk::data::TokenRecord record;
      record.tokens.resize(in.ConsumeIntegralInRange<size_t>(0, 8));
      for (auto& t : record.tokens) t = in.ConsumeIntegralInRange<int32_t>(0, 30000);
      record.b_start = in.ConsumeIntegralInRange<int32_t>(-1, record.tokens.size());
      record.nsp_label = in.ConsumeIntegralInRange<int8_t>(0, 1);
      for (const int32_t t : record.tokens) append(tokens, t);
      append<uint64_t>(offsets, tokens.count());
      append(b_start, record.b_start);
      append(nsp, record.nsp_label);
      append(checksums, ptk::data::record_checksum(record));
    }
    plans = {tokens, offsets, b_start, nsp, checksums};
  }
  return plans;
}

// Damage: change a dataset's storage, its length, or one of its elements. Returns how many
// changes were made (0: the datasets are exactly what ShardWriter writes).
int damage(FuzzedDataProvider& in, std::vector<DatasetPlan>& plans) {
  const int edits = in.ConsumeIntegralInRange(0, 3);
  for (int e = 0; e < edits; ++e) {
    DatasetPlan& plan = plans[in.ConsumeIntegralInRange<size_t>(0, plans.size() - 1)];
    switch (in.ConsumeIntegralInRange(0, 12)) {
      case 0:
        plan.storage = static_cast<Storage>(in.ConsumeIntegralInRange<int>(
            static_cast<int>(Storage::kLateAllocation), static_cast<int>(Storage::kGroup)));
        break;
      case 1:
      case 2: {  // shorter
        const uint64_t drop = in.ConsumeIntegralInRange<uint64_t>(1, 3);
        plan.bytes.resize(plan.count() > drop ? (plan.count() - drop) * plan.width : 0);
        break;
      }
      case 3:
      case 4: {  // longer
        const uint64_t add = in.ConsumeIntegralInRange<uint64_t>(1, 3);
        for (uint64_t i = 0; i < add * plan.width; ++i) {
          plan.bytes.push_back(in.ConsumeIntegral<uint8_t>());
        }
        break;
      }
      default: {  // one element overwritten: small values are the interesting ones
        if (plan.count() == 0) break;
        const uint64_t i = in.ConsumeIntegralInRange<uint64_t>(0, plan.count() - 1);
        std::memset(plan.bytes.data() + i * plan.width, 0, plan.width);
        const uint64_t value = in.ConsumeBool() ? in.ConsumeIntegralInRange<uint64_t>(0, 40)
                                                : in.ConsumeIntegral<uint64_t>();
        std::memcpy(plan.bytes.data() + i * plan.width, &value, std::min<size_t>(plan.width, 8));
        break;
      }
    }
  }
  return edits;
}

const DatasetPlan& find(const std::vector<DatasetPlan>& plans, const char* name) {
  for (const auto& p : plans) {
    if (std::strcmp(p.name, name) == 0) return p;
  }
  std::abort();
}

// Whether an offsets dataset is valid for `n` records over `data` (what the reader must check).
bool offsets_valid(const DatasetPlan& offsets, const DatasetPlan& data, uint64_t n) {
  if (offsets.count() != n + 1) return false;
  uint64_t previous = 0;
  for (uint64_t i = 0; i <= n; ++i) {
    const uint64_t o = offsets.element<uint64_t>(i);
    if (o < previous || o > data.count() || (i == 0 && o != 0)) return false;
    previous = o;
  }
  return true;
}

// The reader accepted the file: everything it serves must be what was written.
void check_accepted(const ptk::data::ShardReader& reader, ShardKind kind,
                    const std::vector<DatasetPlan>& plans, const AttributePlan& attributes) {
  const char* own = kind == ShardKind::kImage ? ptk::data::kImageFormat : ptk::data::kTokenFormat;
  expect(attributes.format == own, "accepted a shard whose format attribute is wrong");
  expect(
      !attributes.version || *attributes.version == std::to_string(ptk::data::kShardFormatVersion),
      "accepted an unsupported version");
  expect(reader.kind() == kind, "read the shard as the wrong kind");
  for (const auto& p : plans) {
    expect(p.storage == Storage::kContiguous ||
               (p.storage == Storage::kLateAllocation && p.count() == 0),
           "accepted a dataset that is missing, mistyped or not contiguous");
  }
  const DatasetPlan& checksums = find(plans, ptk::data::kChecksums);
  const uint64_t n = checksums.count();
  expect(reader.num_records() == n, "record count differs from the checksums dataset");
  expect(!attributes.num_samples || *attributes.num_samples == std::to_string(n),
         "accepted a num_samples attribute that disagrees with the data");
  for (uint64_t i = 0; i < n; ++i) {
    const ptk::data::RecordView r = reader.record(i);
    const uint64_t stored = checksums.element<uint64_t>(i);
    expect(r.checksum == stored, "served the wrong stored checksum");
    uint64_t computed = 0;
    if (kind == ShardKind::kImage) {
      const auto& bytes = find(plans, ptk::data::kImageBytes);
      const auto& byte_offsets = find(plans, ptk::data::kImageOffsets);
      const auto& labels = find(plans, ptk::data::kLabelIds);
      const auto& label_offsets = find(plans, ptk::data::kLabelOffsets);
      const auto& keys = find(plans, ptk::data::kKeys);
      expect(offsets_valid(byte_offsets, bytes, n) && offsets_valid(label_offsets, labels, n) &&
                 keys.count() == n,
             "accepted inconsistent image offsets or keys");
      ptk::data::ImageRecord expected;
      const uint64_t b0 = byte_offsets.element<uint64_t>(i);
      const uint64_t b1 = byte_offsets.element<uint64_t>(i + 1);
      expected.bytes.assign(bytes.bytes.begin() + b0, bytes.bytes.begin() + b1);
      for (uint64_t j = label_offsets.element<uint64_t>(i);
           j < label_offsets.element<uint64_t>(i + 1); ++j) {
        expected.labels.push_back(labels.element<int32_t>(j));
      }
      const char* key = reinterpret_cast<const char*>(keys.bytes.data() + i * keys.width);
      expected.key.assign(key, strnlen(key, keys.width));
      expect(std::vector<uint8_t>(r.image_bytes.begin(), r.image_bytes.end()) == expected.bytes,
             "served the wrong image bytes");
      expect(std::vector<int32_t>(r.labels.begin(), r.labels.end()) == expected.labels,
             "served the wrong labels");
      expect(r.key == expected.key, "served the wrong key");
      computed = ptk::data::record_checksum(expected);
    } else {
      const auto& tokens = find(plans, ptk::data::kTokenIds);
      const auto& offsets = find(plans, ptk::data::kTokenOffsets);
      const auto& b_start = find(plans, ptk::data::kSegmentBStart);
      const auto& nsp = find(plans, ptk::data::kNspLabels);
      expect(offsets_valid(offsets, tokens, n) && b_start.count() == n && nsp.count() == n,
             "accepted inconsistent token offsets or per-record datasets");
      ptk::data::TokenRecord expected;
      for (uint64_t j = offsets.element<uint64_t>(i); j < offsets.element<uint64_t>(i + 1); ++j) {
        expected.tokens.push_back(tokens.element<int32_t>(j));
      }
      expected.b_start = b_start.element<int32_t>(i);
      expected.nsp_label = nsp.element<int8_t>(i);
      expect(std::vector<int32_t>(r.tokens.begin(), r.tokens.end()) == expected.tokens,
             "served the wrong tokens");
      expect(r.b_start == expected.b_start && r.nsp_label == expected.nsp_label,
             "served the wrong segment start or NSP label");
      computed = ptk::data::record_checksum(expected);
    }
    expect(reader.verify(i) == (computed == stored), "verify() disagrees with the checksum");
  }
  bool rejected = false;
  try {
    (void)reader.record(n);
  } catch (const ptk::Error&) {
    rejected = true;
  }
  expect(rejected, "served a record past the end");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // HDF5 refusals are expected here
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const ShardKind kind = in.ConsumeBool() ? ShardKind::kToken : ShardKind::kImage;
  const uint64_t n = in.ConsumeIntegralInRange<uint64_t>(0, 6);
  const bool aligned = !in.ConsumeBool() || !in.ConsumeBool();  // mostly, as the writer does
  std::vector<DatasetPlan> plans = valid_datasets(in, kind, n);
  const bool damaged = damage(in, plans) > 0;

  static const std::string path = (ptk::fuzz::scratch_dir() / "shard.h5").string();
  AttributePlan attributes;
  {
    H5Handle fapl{H5Pcreate(H5P_FILE_ACCESS), H5Pclose};
    if (aligned) H5Pset_alignment(fapl.id, 1, ptk::data::kDatasetAlignment);
    H5Handle file{H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id), H5Fclose};
    expect(file.id >= 0, "cannot create the scratch HDF5 file");
    const uint8_t type_choice = in.ConsumeIntegral<uint8_t>();
    for (auto& plan : plans) {
      if (!create_dataset(file.id, plan, type_choice)) plan.storage = Storage::kMissing;
    }
    attributes = write_attributes(file.id, in, kind, n);
  }

  std::optional<ptk::data::ShardReader> reader;
  try {
    reader.emplace(path);
  } catch (const ptk::Error& e) {
    if (aligned && !damaged && attributes.as_the_writer_writes) {
      std::fprintf(stderr, "%s\n", e.what());
      expect(false, "rejected a shard laid out as ShardWriter writes it");
    }
    return 0;
  }
  check_accepted(*reader, kind, plans, attributes);
  return 0;
}
