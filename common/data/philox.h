// Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11) and SampleRng, the
// per-sample generator for augmentation and masking. A SampleRng is a pure function of
// (seed, epoch, sample index) and how many numbers were drawn from it: results do not depend on
// thread count or on which thread decodes a sample, and there is no RNG state to checkpoint.
#pragma once

#include <array>
#include <cstdint>

namespace ptk::data {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

// Ten rounds of Philox4x32; matches the Random123 known-answer vectors.
PhiloxCounter philox4x32_10(PhiloxCounter counter, PhiloxKey key);

// Draws for one sample. Key = seed; counter = (block, epoch, sample index lo, sample index hi),
// so 2^32 blocks of four 32-bit words are available per sample. `sample_index` is the
// sample's position in the epoch order, so repeated draws of one record (weighted sampling)
// get independent augmentations. Cheap to construct; not thread safe (one per sample).
class SampleRng {
 public:
  SampleRng(uint64_t seed, uint64_t epoch, uint64_t sample_index);

  uint32_t next_u32();
  uint64_t next_u64();
  // Uniform in [0, 1) with 24 random bits (every value exactly representable).
  float uniform();
  // Uniform in [low, high).
  float uniform(float low, float high);
  // Uniform integer in [0, n), n > 0, without modulo bias.
  uint64_t uniform_int(uint64_t n);
  // Standard normal (Box-Muller on two 53-bit uniforms).
  double normal();
  bool bernoulli(double p) { return uniform_double() < p; }
  // Uniform in [0, 1) with 53 random bits.
  double uniform_double();

 private:
  PhiloxKey key_;
  PhiloxCounter counter_;
  PhiloxCounter block_{};
  int used_ = 4;  // words of block_ already handed out
};

}  // namespace ptk::data
