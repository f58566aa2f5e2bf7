// JSON text pieces shared by the writers that emit JSON by hand (metrics JSONL, safetensors
// headers, HF config files): one escaping rule everywhere, so every file we write parses.
#pragma once

#include <string>

namespace ptk {

// `text` as a JSON string literal, quotes included: `"` and `\` escaped, control characters as
// \b \f \n \r \t or \u00XX, everything else (UTF-8 included) kept as is.
std::string json_quote(const std::string& text);

}  // namespace ptk
