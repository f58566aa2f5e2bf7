// UTF-8 well-formedness for text written into YAML files (configs, manifests). yaml-cpp writes
// a quoted string's ill-formed bytes as U+FFFD, so such text would not read back as written;
// the writers check with this first and say so instead.
#pragma once

#include <string_view>

namespace ptk {

// Whether `text` is well-formed UTF-8 (Unicode Table 3-7: no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace ptk
