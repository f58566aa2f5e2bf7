// Test support: an independent reader for TensorBoard event files. It parses the TFRecord
// framing, checks both masked CRC32Cs and decodes the Event / Summary protobuf wire format, so
// tests check the bytes TensorBoard would read, not the writer's own idea of them.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/log/crc32c.h"

namespace ptk::log::testing {

struct DecodedEvent {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;
  bool has_summary = false;
  std::vector<std::pair<std::string, float>> values;  // (tag, simple_value)
};

class WireReader {
 public:
  explicit WireReader(const std::string& bytes) : bytes_(bytes) {}
  bool done() const { return pos_ == bytes_.size(); }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const auto byte = static_cast<unsigned char>(take(1)[0]);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    throw std::runtime_error("varint too long");
  }
  uint64_t fixed(int size) {
    const std::string bytes = take(size);
    uint64_t value = 0;
    for (int i = 0; i < size; ++i)
      value |= uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
    return value;
  }
  std::string length_delimited() { return take(varint()); }
  void skip(uint32_t wire_type) {
    switch (wire_type) {
      case 0:
        varint();
        break;
      case 1:
        take(8);
        break;
      case 2:
        length_delimited();
        break;
      case 5:
        take(4);
        break;
      default:
        throw std::runtime_error("unknown wire type " + std::to_string(wire_type));
    }
  }

 private:
  std::string take(uint64_t size) {
    if (size > bytes_.size() - pos_) throw std::runtime_error("message truncated");
    std::string out = bytes_.substr(pos_, size);
    pos_ += size;
    return out;
  }
  const std::string& bytes_;
  size_t pos_ = 0;
};

inline uint32_t tfrecord_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

// Splits a TFRecord file into its records; throws when framing or a CRC is wrong.
inline std::vector<std::string> read_tfrecords(const std::string& file) {
  std::vector<std::string> records;
  size_t pos = 0;
  auto le = [&](size_t at, int size) {
    uint64_t value = 0;
    for (int i = 0; i < size; ++i)
      value |= uint64_t{static_cast<unsigned char>(file[at + i])} << (8 * i);
    return value;
  };
  while (pos < file.size()) {
    if (file.size() - pos < 12) throw std::runtime_error("truncated record header");
    const uint64_t length = le(pos, 8);
    if (le(pos + 8, 4) != tfrecord_mask(crc32c(file.data() + pos, 8))) {
      throw std::runtime_error("length CRC mismatch");
    }
    pos += 12;
    if (file.size() - pos < length + 4) throw std::runtime_error("truncated record data");
    const std::string data = file.substr(pos, length);
    if (le(pos + length, 4) != tfrecord_mask(crc32c(data.data(), data.size()))) {
      throw std::runtime_error("data CRC mismatch");
    }
    records.push_back(data);
    pos += length + 4;
  }
  return records;
}

inline DecodedEvent decode_event(const std::string& bytes) {
  DecodedEvent event;
  WireReader in(bytes);
  while (!in.done()) {
    const uint64_t key = in.varint();
    const auto field = static_cast<uint32_t>(key >> 3), wire = static_cast<uint32_t>(key & 7);
    if (field == 1 && wire == 1) {
      const uint64_t bits = in.fixed(8);
      std::memcpy(&event.wall_time, &bits, 8);
    } else if (field == 2 && wire == 0) {
      event.step = static_cast<int64_t>(in.varint());
    } else if (field == 3 && wire == 2) {
      event.file_version = in.length_delimited();
    } else if (field == 5 && wire == 2) {
      event.has_summary = true;
      const std::string summary = in.length_delimited();
      WireReader values(summary);
      while (!values.done()) {
        const uint64_t value_key = values.varint();
        if (value_key != ((1u << 3) | 2u)) {
          values.skip(value_key & 7);
          continue;
        }
        const std::string entry = values.length_delimited();
        WireReader fields(entry);
        std::pair<std::string, float> value;
        while (!fields.done()) {
          const uint64_t entry_key = fields.varint();
          if (entry_key == ((1u << 3) | 2u)) {
            value.first = fields.length_delimited();
          } else if (entry_key == ((2u << 3) | 5u)) {
            const auto bits = static_cast<uint32_t>(fields.fixed(4));
            std::memcpy(&value.second, &bits, 4);
          } else {
            fields.skip(entry_key & 7);
          }
        }
        event.values.push_back(value);
      }
    } else {
      in.skip(wire);
    }
  }
  return event;
}

inline std::vector<DecodedEvent> read_event_file(const std::string& file_bytes) {
  std::vector<DecodedEvent> events;
  for (const std::string& record : read_tfrecords(file_bytes))
    events.push_back(decode_event(record));
  return events;
}

}  // namespace ptk::log::testing
