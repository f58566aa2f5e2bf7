#include "common/data/philox.h"

#include <cmath>

namespace ptk::data {

namespace {

constexpr uint32_t kMul0 = 0xD2511F53u;
constexpr uint32_t kMul1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio
constexpr uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1

inline void mulhilo(uint32_t a, uint32_t b, uint32_t* hi, uint32_t* lo) {
  const uint64_t product = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(product >> 32);
  *lo = static_cast<uint32_t>(product);
}

}  // namespace

PhiloxCounter philox4x32_10(PhiloxCounter c, PhiloxKey k) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += kWeyl0;
      k[1] += kWeyl1;
    }
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kMul0, c[0], &hi0, &lo0);
    mulhilo(kMul1, c[2], &hi1, &lo1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
  }
  return c;
}

SampleRng::SampleRng(uint64_t seed, uint64_t epoch, uint64_t sample_index)
    : key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
      // Epochs beyond 2^32 wrap; no training run comes near that.
      counter_{0u, static_cast<uint32_t>(epoch), static_cast<uint32_t>(sample_index),
               static_cast<uint32_t>(sample_index >> 32)} {}

uint32_t SampleRng::next_u32() {
  if (used_ == 4) {
    block_ = philox4x32_10(counter_, key_);
    ++counter_[0];
    used_ = 0;
  }
  return block_[used_++];
}

uint64_t SampleRng::next_u64() {
  const uint64_t hi = next_u32();
  return (hi << 32) | next_u32();
}

float SampleRng::uniform() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }

float SampleRng::uniform(float low, float high) {
  const float value = low + (high - low) * uniform();
  return value < high ? value : low;  // rounding could land on `high`
}

double SampleRng::uniform_double() {
  return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t SampleRng::uniform_int(uint64_t n) {
  // Rejection sampling: draws above the largest multiple of n are retried.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  while (true) {
    const uint64_t x = next_u64();
    if (x < limit) return x % n;
  }
}

double SampleRng::normal() {
  const double u1 = 1.0 - uniform_double();  // (0, 1]: log is finite
  const double u2 = uniform_double();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace ptk::data
