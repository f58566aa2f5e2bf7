// Protobuf's wire types, shared by the hand-written protobuf writer (TensorBoard event files)
// and reader (SentencePiece .model files): a field's key is (number << 3) | wire type.
#pragma once

#include <cstdint>

namespace ptk::protobuf {

inline constexpr uint32_t kVarint = 0;
inline constexpr uint32_t kFixed64 = 1;
inline constexpr uint32_t kLengthDelimited = 2;
inline constexpr uint32_t kFixed32 = 5;

}  // namespace ptk::protobuf
