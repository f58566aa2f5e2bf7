#include "common/data/shard_reader.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "common/base/error.h"
#include "tests/common/data/test_shards.h"

namespace ptk::data {
namespace {

using testing::TempDir;

// Writes a one-shard image set and returns the shard's path.
std::string image_shard(const TempDir& tmp, uint64_t n = 8) {
  testing::write_image_set(tmp.path(), n, 0);
  return tmp.sub("shard-00000.h5");
}

// Opens `path` with HDF5 read-write and lets `edit` change it (as another tool could).
void edit_with_hdf5(const std::string& path, const std::function<void(hid_t)>& edit) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  edit(file);
  H5Fclose(file);
}

// Replaces dataset `name` by one with the same values, type `type` and creation list `dcpl`.
void recreate(hid_t file, const char* name, hid_t type, hid_t dcpl) {
  const hid_t old = H5Dopen2(file, name, H5P_DEFAULT);
  const hid_t space = H5Dget_space(old);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<int64_t> values(static_cast<size_t>(n));
  H5Dread(old, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Dclose(old);
  H5Ldelete(file, name, H5P_DEFAULT);
  const hid_t fresh = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Dwrite(fresh, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Dclose(fresh);
  H5Sclose(space);
}

std::string open_error(const std::string& path) {
  try {
    ShardReader reader(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& path, const std::vector<std::string>& fragments) {
  const std::string message = open_error(path);
  ASSERT_FALSE(message.empty()) << "the shard opened";
  EXPECT_NE(message.find(path), std::string::npos) << message;
  for (const auto& fragment : fragments) {
    EXPECT_NE(message.find(fragment), std::string::npos)
        << "'" << fragment << "' not in: " << message;
  }
}

TEST(ShardReader, MissingDatasetIsNamed) {
  TempDir tmp;
  const std::string path = image_shard(tmp);
  edit_with_hdf5(path, [](hid_t f) { H5Ldelete(f, "labels/ids", H5P_DEFAULT); });
  expect_error(path, {"labels/ids", "missing"});
}

TEST(ShardReader, ChunkedDatasetIsRejected) {
  TempDir tmp;
  const std::string path = image_shard(tmp);
  edit_with_hdf5(path, [](hid_t f) {
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    const hsize_t chunk[1] = {4};
    H5Pset_chunk(dcpl, 1, chunk);
    recreate(f, "images/offsets", H5T_STD_U64LE, dcpl);
    H5Pclose(dcpl);
  });
  expect_error(path, {"images/offsets", "chunked"});
}

TEST(ShardReader, CompressedDatasetIsRejected) {
  TempDir tmp;
  const std::string path = image_shard(tmp);
  edit_with_hdf5(path, [](hid_t f) {
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    const hsize_t chunk[1] = {4};
    H5Pset_chunk(dcpl, 1, chunk);
    H5Pset_deflate(dcpl, 4);
    recreate(f, "checksums", H5T_STD_U64LE, dcpl);
    H5Pclose(dcpl);
  });
  expect_error(path, {"checksums", "compressed"});
}

TEST(ShardReader, WrongTypeIsRejected) {
  TempDir tmp;
  const std::string path = image_shard(tmp);
  edit_with_hdf5(path, [](hid_t f) { recreate(f, "labels/ids", H5T_STD_I64LE, H5P_DEFAULT); });
  expect_error(path, {"labels/ids", "wrong type int64", "int32"});
}

TEST(ShardReader, OffsetsOutsideTheDataAreRejected) {
  TempDir tmp;
  const std::string path = image_shard(tmp);
  edit_with_hdf5(path, [](hid_t f) {
    const hid_t d = H5Dopen2(f, "images/offsets", H5P_DEFAULT);
    std::vector<uint64_t> offsets(9);
    H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, offsets.data());
    offsets[3] = 1u << 30;
    H5Dwrite(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, offsets.data());
    H5Dclose(d);
  });
  expect_error(path, {"images/offsets", "entry 3", "outside 'images/bytes'"});
}

TEST(ShardReader, TruncatedFileIsDetectedAtOpen) {
  TempDir tmp;
  const std::string path = image_shard(tmp, 50);
  const auto size = std::filesystem::file_size(path);
  for (auto keep : {size - 1, size / 2, uint64_t{100}}) {
    std::filesystem::copy_file(path, tmp.sub("cut.h5"),
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(tmp.sub("cut.h5"), keep);
    expect_error(tmp.sub("cut.h5"), {"truncated"});
  }
}

TEST(ShardReader, NotAShardIsRejected) {
  TempDir tmp;
  {
    std::ofstream out(tmp.sub("junk.h5"));
    out << "this is not HDF5";
  }
  expect_error(tmp.sub("junk.h5"), {"HDF5"});
  expect_error(tmp.sub("absent.h5"), {"does not exist"});
}

TEST(ShardReader, ServesRecordsFromManyThreadsAtOnce) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 400, 100);
  ShardSet set(tmp.path());
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = t; i < 400; i += 1) {
        const SampleLocation at = set.locate(i);
        const RecordView view = set.shard(at.shard)->record(at.record);
        if (std::string(view.key) != "img-" + std::to_string(i) ||
            record_checksum(view) != view.checksum) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(ShardSet, KeepsAtMostMaxOpenShardsMappedAndReopensEvictedOnes) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 600, 2);  // 300 shards
  const ShardSet set(tmp.path(), 8);
  ASSERT_EQ(set.num_shards(), 300u);
  EXPECT_EQ(set.open_shards(), 0u) << "opening the set maps no shard";
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Every thread sweeps the set twice from its own start: shards leave and come back.
      for (uint64_t k = 0; k < 1200; ++k) {
        const uint64_t i = (k * 7 + static_cast<uint64_t>(t) * 151) % 600;
        const SampleLocation at = set.locate(i);
        const auto shard = set.shard(at.shard);
        const RecordView view = shard->record(at.record);
        if (std::string(view.key) != "img-" + std::to_string(i) ||
            record_checksum(view) != view.checksum) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
  // The set holds at most 8; each thread holds at most one more while it reads.
  EXPECT_LE(set.peak_open_shards(), 8u + 4u);
  EXPECT_LE(set.open_shards(), 8u);
  EXPECT_GT(set.shard_opens(), 300u) << "evicted shards were opened again";
}

TEST(ShardSet, AReaderHeldByACallerOutlivesItsEviction) {
  TempDir tmp;
  testing::write_image_set(tmp.path(), 10, 1);
  const ShardSet set(tmp.path(), 1);
  const auto first = set.shard(0);
  for (size_t s = 1; s < set.num_shards(); ++s) set.shard(s);
  EXPECT_EQ(std::string(first->record(0).key), "img-0");
  EXPECT_EQ(set.open_shards(), 2u);
  EXPECT_THROW(ShardSet(tmp.path(), 0), Error);
}

TEST(ShardReader, DatasetsAreAlignedAndContiguousInTheFile) {
  TempDir tmp;
  const std::string path = image_shard(tmp);
  ShardReader reader(path);
  EXPECT_EQ(reader.layout().size(), 6u);
  for (const auto& d : reader.layout()) {
    if (d.bytes > 0) {
      EXPECT_EQ(d.file_offset % kDatasetAlignment, 0u) << d.name;
      EXPECT_LE(d.file_offset + d.bytes, reader.file_bytes()) << d.name;
    }
  }
}

}  // namespace
}  // namespace ptk::data
