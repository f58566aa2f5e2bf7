#include "common/data/shard_format.h"

#include <xxhash.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "common/base/error.h"

namespace ptk::data {

const char* kind_name(ShardKind kind) { return kind == ShardKind::kImage ? "image" : "token"; }

ShardKind parse_kind(const std::string& name, const std::string& where) {
  if (name == "image") return ShardKind::kImage;
  if (name == "token") return ShardKind::kToken;
  throw error("{}: unknown shard kind '{}' (expected image or token)", where, name);
}

uint64_t RecordView::payload_bytes() const {
  if (kind == ShardKind::kImage) return image_bytes.size + labels.size * sizeof(int32_t);
  return tokens.size * sizeof(int32_t);
}

namespace {

struct StateDeleter {
  void operator()(XXH64_state_t* state) const { XXH64_freeState(state); }
};
using State = std::unique_ptr<XXH64_state_t, StateDeleter>;

State new_state() {
  State state(XXH64_createState());
  XXH64_reset(state.get(), 0);
  return state;
}

// The host is little endian (checked by the reader), so in-memory int32 bytes are the LE bytes.
uint64_t image_checksum(const void* bytes, size_t nbytes, const int32_t* labels, size_t nlabels,
                        std::string_view key) {
  State state = new_state();
  XXH64_update(state.get(), bytes, nbytes);
  XXH64_update(state.get(), labels, nlabels * sizeof(int32_t));
  XXH64_update(state.get(), key.data(), key.size());
  return XXH64_digest(state.get());
}

uint64_t token_checksum(const int32_t* tokens, size_t ntokens, int32_t b_start, int8_t nsp) {
  State state = new_state();
  XXH64_update(state.get(), tokens, ntokens * sizeof(int32_t));
  XXH64_update(state.get(), &b_start, sizeof(b_start));
  XXH64_update(state.get(), &nsp, sizeof(nsp));
  return XXH64_digest(state.get());
}

}  // namespace

uint64_t record_checksum(const RecordView& r) {
  if (r.kind == ShardKind::kImage) {
    return image_checksum(r.image_bytes.data, r.image_bytes.size, r.labels.data, r.labels.size,
                          r.key);
  }
  return token_checksum(r.tokens.data, r.tokens.size, r.b_start, r.nsp_label);
}

uint64_t record_checksum(const ImageRecord& r) {
  return image_checksum(r.bytes.data(), r.bytes.size(), r.labels.data(), r.labels.size(), r.key);
}

uint64_t record_checksum(const TokenRecord& r) {
  return token_checksum(r.tokens.data(), r.tokens.size(), r.b_start, r.nsp_label);
}

uint64_t file_checksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  fail_if(!in, "cannot open '{}' to checksum it", path);
  State state = new_state();
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    XXH64_update(state.get(), buffer.data(), static_cast<size_t>(in.gcount()));
  }
  fail_if(in.bad(), "read error while checksumming '{}'", path);
  return XXH64_digest(state.get());
}

uint64_t bytes_checksum(const void* data, size_t size) {
  State state = new_state();
  XXH64_update(state.get(), data, size);
  return XXH64_digest(state.get());
}

std::string hex64(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace ptk::data
