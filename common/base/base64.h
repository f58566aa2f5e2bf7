// Base64 (RFC 4648, the standard alphabet with '=' padding), for binary data inside JSON, such
// as a SentencePiece character map in an exported tokenizer.json.
#pragma once

#include <string>

namespace ptk {

std::string base64_encode(const std::string& bytes);

}  // namespace ptk
