// Checks JsonlSink output with Debian's python3 json module, a parser we did not write.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "common/log/jsonl_sink.h"
#include "tests/common/log/temp_dir.h"

namespace ptk::log {
namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// Runs `command`, returns its stdout; fails the test on a non-zero exit.
std::string run(const std::string& command) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string out;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  EXPECT_EQ(::pclose(pipe), 0) << command << "\n" << out;
  return out;
}

TEST(JsonlSinkPython, PythonJsonReadsKeysAndValues) {
  testing::TempDir tmp;
  const std::string path = tmp.file("metrics.jsonl");
  const std::string odd_key = "q\"b\\s\n\r\t\b\f\x1f-ü-日本";
  {
    JsonlSink sink(path);
    sink.write(3, {{odd_key, 0.1}, {"loss", std::numeric_limits<double>::quiet_NaN()}});
    sink.write(4, {{"lr", 1e-300}});
  }
  // One output line per key: line index, key as UTF-8 hex, repr of the value.
  const std::string script =
      "import json, sys\n"
      "for i, line in enumerate(open(sys.argv[1], encoding='utf-8')):\n"
      "    for k, v in json.loads(line).items():\n"
      "        print(i, k.encode('utf-8').hex(), 'time' if k == 'time' else repr(v))\n";
  const std::string script_path = tmp.file("check.py");
  testing::write_file(script_path, script);
  const std::string out = run(std::string(PTK_PYTHON) + " " + script_path + " " + path);

  const std::string expected = "0 " + hex("step") + " 3\n" +     //
                               "0 " + hex("time") + " time\n" +  //
                               "0 " + hex(odd_key) + " 0.1\n" +  //
                               "0 " + hex("loss") + " None\n" +  //
                               "1 " + hex("step") + " 4\n" +     //
                               "1 " + hex("time") + " time\n" +  //
                               "1 " + hex("lr") + " 1e-300\n";
  EXPECT_EQ(out, expected);
}

}  // namespace
}  // namespace ptk::log
