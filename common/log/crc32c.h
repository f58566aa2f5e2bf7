// CRC32C (Castagnoli polynomial), the checksum TFRecord framing uses. Pure functions, thread
// safe; results match the standard test vectors (crc32c("123456789") == 0xE3069283).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ptk::log {

// CRC32C of `size` bytes at `data`.
uint32_t crc32c(const void* data, size_t size);

// Continues a CRC32C computed over earlier bytes: crc32c_extend(crc32c(a), b) == crc32c(a + b).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t size);

// TFRecord stores CRCs masked, because a CRC of data that itself embeds CRCs is weak:
// ((crc >> 15) | (crc << 17)) + 0xa282ead8.
uint32_t mask_crc32c(uint32_t crc);

}  // namespace ptk::log
