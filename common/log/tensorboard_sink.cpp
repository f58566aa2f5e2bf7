#include "common/log/tensorboard_sink.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "common/base/error.h"
#include "common/base/protobuf_wire.h"
#include "common/log/crc32c.h"

namespace ptk::log {
namespace {

using protobuf::kFixed32;
using protobuf::kFixed64;
using protobuf::kLengthDelimited;
using protobuf::kVarint;

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

void put_key(std::string& out, uint32_t field, uint32_t wire_type) {
  put_varint(out, (static_cast<uint64_t>(field) << 3) | wire_type);
}

// Little-endian bytes of an integer, whatever the host order.
void put_le(std::string& out, uint64_t bits, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xFF);
}

void put_bytes_field(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out += bytes;
}

void put_double_field(std::string& out, uint32_t field, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  put_key(out, field, kFixed64);
  put_le(out, bits, 8);
}

void put_float_field(std::string& out, uint32_t field, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  put_key(out, field, kFixed32);
  put_le(out, bits, 4);
}

// Event fields (tensorflow/core/util/event.proto).
constexpr uint32_t kEventWallTime = 1;     // double
constexpr uint32_t kEventStep = 2;         // int64
constexpr uint32_t kEventFileVersion = 3;  // string
constexpr uint32_t kEventSummary = 5;      // Summary
// Summary fields (tensorflow/core/framework/summary.proto).
constexpr uint32_t kSummaryValue = 1;      // repeated Summary.Value
constexpr uint32_t kValueTag = 1;          // string
constexpr uint32_t kValueSimpleValue = 2;  // float

std::string event_header(double wall_time) {
  std::string event;
  put_double_field(event, kEventWallTime, wall_time);
  return event;
}

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "localhost";
  return buffer;
}

// Opens a file that did not exist before, so two writers never share one event file.
std::FILE* create_new(const std::string& base, std::string& path) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    path = attempt == 0 ? base : fmt::format("{}.{}", base, attempt);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      std::FILE* file = ::fdopen(fd, "wb");
      if (file == nullptr) ::close(fd);
      return file;
    }
    if (errno != EEXIST) return nullptr;
  }
  return nullptr;
}

}  // namespace

TensorBoardSink::TensorBoardSink(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw error("cannot create TensorBoard directory '{}': {}", dir, ec.message());

  const double now = unix_seconds();
  const std::string base =
      (std::filesystem::path(dir) /
       fmt::format("events.out.tfevents.{}.{}", static_cast<int64_t>(now), host_name()))
          .string();
  file_ = create_new(base, path_);
  if (file_ == nullptr) {
    throw error("cannot create TensorBoard event file '{}': {}", path_, std::strerror(errno));
  }
  std::string event = event_header(now);
  put_bytes_field(event, kEventFileVersion, "brain.Event:2");
  write_record(event);
}

TensorBoardSink::~TensorBoardSink() {
  if (file_ != nullptr) std::fclose(file_);
}

void TensorBoardSink::write(int64_t step, const Scalars& scalars) {
  std::string summary;
  for (const auto& [tag, value] : scalars) {
    std::string entry;
    put_bytes_field(entry, kValueTag, tag);
    put_float_field(entry, kValueSimpleValue, static_cast<float>(value));
    put_bytes_field(summary, kSummaryValue, entry);
  }
  std::string event = event_header(unix_seconds());
  put_key(event, kEventStep, kVarint);
  put_varint(event, static_cast<uint64_t>(step));  // int64: two's complement, as protobuf does
  put_bytes_field(event, kEventSummary, summary);
  write_record(event);
}

void TensorBoardSink::flush() {
  if (std::fflush(file_) != 0) {
    throw error("cannot flush TensorBoard event file '{}': {}", path_, std::strerror(errno));
  }
}

// TFRecord: uint64 length, masked CRC32C of those 8 bytes, the data, masked CRC32C of the data.
void TensorBoardSink::write_record(const std::string& data) {
  std::string record;
  record.reserve(data.size() + 16);
  put_le(record, data.size(), 8);
  put_le(record, mask_crc32c(crc32c(record.data(), 8)), 4);
  record += data;
  put_le(record, mask_crc32c(crc32c(data.data(), data.size())), 4);
  if (std::fwrite(record.data(), 1, record.size(), file_) != record.size() ||
      std::fflush(file_) != 0) {
    throw error("cannot write TensorBoard event file '{}': {}", path_, std::strerror(errno));
  }
}

}  // namespace ptk::log
