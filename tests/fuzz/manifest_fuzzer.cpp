// libFuzzer target for a shard set's manifest.yaml, the file a reader trusts for the set's size
// and epoch order: any bytes must load or throw ptk::Error, and a loaded manifest must give a
// ShardSet whose sample counts add up and whose every sample maps into a listed shard.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/error.h"
#include "common/data/manifest.h"
#include "common/data/shard_reader.h"
#include "tests/fuzz/fuzz_support.h"

using ptk::fuzz::expect;

namespace {

void check_location(const ptk::data::ShardSet& set, uint64_t index) {
  const ptk::data::SampleLocation location = set.locate(index);
  expect(location.shard < set.num_shards(), "a sample located in a shard that is not listed");
  expect(location.record < set.manifest().shards[location.shard].num_samples,
         "a sample located past the end of its shard");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = (ptk::fuzz::scratch_dir() / "shard_set").string();
  ptk::fuzz::write_file(dir + "/" + ptk::data::kManifestName,
                        std::string_view(reinterpret_cast<const char*>(data), size));
  ptk::data::Manifest manifest;
  try {
    manifest = ptk::data::Manifest::load(dir);
  } catch (const ptk::Error&) {
    return 0;
  }
  uint64_t total = 0;
  for (const auto& shard : manifest.shards) {
    expect(!__builtin_add_overflow(total, shard.num_samples, &total),
           "accepted sample counts whose sum overflows");
  }
  expect(manifest.num_samples() == total, "num_samples() is not the sum over shards");

  const ptk::data::ShardSet set(dir);  // opens no shard
  expect(set.num_samples() == total, "the shard set's size is not the manifest's");
  if (total > 0) {
    check_location(set, 0);
    check_location(set, total / 2);
    check_location(set, total - 1);
  }
  bool rejected = false;
  try {
    (void)set.locate(total);
  } catch (const ptk::Error&) {
    rejected = true;
  }
  expect(rejected, "located a sample past the end of the set");

  // What was loaded and can be saved (text that is not UTF-8 is refused) loads back the same.
  std::string saved;
  try {
    saved = manifest.to_yaml();
  } catch (const ptk::Error&) {
    return 0;
  }
  const std::string again = (ptk::fuzz::scratch_dir() / "shard_set_saved").string();
  ptk::fuzz::write_file(again + "/" + ptk::data::kManifestName, saved);
  const ptk::data::Manifest reloaded = ptk::data::Manifest::load(again);
  expect(reloaded.shards.size() == manifest.shards.size(), "saving lost shards");
  for (size_t i = 0; i < manifest.shards.size(); ++i) {
    const auto& a = manifest.shards[i];
    const auto& b = reloaded.shards[i];
    expect(a.file == b.file && a.num_samples == b.num_samples && a.bytes == b.bytes &&
               a.xxh64 == b.xxh64,
           "a shard changed when its manifest was saved and loaded");
  }
  expect(reloaded.kind == manifest.kind && reloaded.attributes == manifest.attributes &&
             reloaded.files == manifest.files && reloaded.built_by == manifest.built_by,
         "the manifest changed when saved and loaded");
  return 0;
}
