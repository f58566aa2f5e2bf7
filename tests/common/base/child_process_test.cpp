#include "common/base/child_process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/base/error.h"

namespace ptk {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("ptk_child_process_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(ChildProcess, RunsAProgramAndSendsItsStreamsToFiles) {
  const fs::path dir = scratch("streams");
  const ChildExit exit = run_child({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"},
                                   {(dir / "out.txt").string(), (dir / "err.txt").string()});
  EXPECT_FALSE(exit.succeeded());
  EXPECT_EQ(exit.exit_code(), 3);
  EXPECT_EQ(exit.describe(), "exit code 3");
  EXPECT_EQ(slurp(dir / "out.txt"), "out\n");
  EXPECT_EQ(slurp(dir / "err.txt"), "err\n");
  fs::remove_all(dir);
}

TEST(ChildProcess, ASignalIsReportedAsSuch) {
  const ChildExit exit = run_child({"/bin/sh", "-c", "kill -9 $$"});
  EXPECT_FALSE(exit.succeeded());
  EXPECT_EQ(exit.exit_code(), -1);
  EXPECT_EQ(exit.describe(), "killed by signal 9");
}

TEST(ChildProcess, AProgramThatCannotBeExecutedExitsWith127) {
  const ChildExit exit = run_child({"/nonexistent/ptk-no-such-program"});
  EXPECT_EQ(exit.exit_code(), 127);
}

TEST(ChildProcess, AMissingSiblingBinaryIsAnErrorNamingIt) {
  try {
    sibling_binary("ptk-no-such-binary");
    FAIL() << "no error for a missing sibling binary";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ptk-no-such-binary"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk
