// Renders resolved config values as nested, sorted YAML that parses back to the same values:
// floats in their shortest round-trip form, strings quoted where YAML would reinterpret them.
#pragma once

#include <map>
#include <string>

#include "common/config/config.h"

namespace ptk::config {

std::string render_yaml(const std::map<std::string, Value>& values);

// Shortest decimal text that parses back to exactly `value` ("0.1", "3.15", "1e-12").
std::string format_float(double value);

}  // namespace ptk::config
