// Every config file the project ships resolves against the keys of the binary that runs it: a
// key renamed, removed or given another type fails here, naming the file, not in a user's run.
// Each file is one test, run as `<binary> <verb> --config FILE --dump-config`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct ConfigFile {
  std::string path;    // relative to the source tree
  std::string binary;  // "" when no binary is known for its folder
  std::string verb;
};

// Test listings show the file.
void PrintTo(const ConfigFile& file, std::ostream* out) { *out << file.path; }

// The binary that runs the configs of each recipes/<name>/configs folder, and one of its verbs
// (any verb resolves a config against the keys of all the tool's verbs).
const std::map<std::string, std::pair<std::string, std::string>>& owners() {
  static const std::map<std::string, std::pair<std::string, std::string>> owners = {
      {"wsl", {"ptk-wsl", "train"}},
      {"bert", {"ptk-bert", "train"}},
      {"eval", {"ptk-eval", "imagenet"}},
  };
  return owners;
}

std::vector<ConfigFile> shipped_configs() {
  const fs::path source(PTK_SOURCE_DIR);
  std::vector<ConfigFile> files;
  for (const auto& recipe : fs::directory_iterator(source / "recipes")) {
    const fs::path configs = recipe.path() / "configs";
    if (!fs::is_directory(configs)) continue;
    const auto owner = owners().find(recipe.path().filename().string());
    for (const auto& file : fs::directory_iterator(configs)) {
      if (file.path().extension() != ".yaml") continue;
      ConfigFile config{fs::relative(file.path(), source).string(), "", ""};
      if (owner != owners().end()) std::tie(config.binary, config.verb) = owner->second;
      files.push_back(config);
    }
  }
  // examples/ ship no config today; one added there needs a binary in this test.
  for (const auto& file : fs::recursive_directory_iterator(source / "examples")) {
    if (file.path().extension() == ".yaml") {
      files.push_back({fs::relative(file.path(), source).string(), "", ""});
    }
  }
  std::sort(files.begin(), files.end(),
            [](const ConfigFile& a, const ConfigFile& b) { return a.path < b.path; });
  return files;
}

std::string test_name(const ::testing::TestParamInfo<ConfigFile>& info) {
  std::string name = info.param.path;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class ShippedConfig : public ::testing::TestWithParam<ConfigFile> {};

TEST_P(ShippedConfig, ResolvesAgainstItsBinary) {
  const ConfigFile& file = GetParam();
  ASSERT_FALSE(file.binary.empty())
      << file.path << ": no binary is known for this folder; add it to owners()";
  const std::string command = std::string(PTK_BINARY_DIR) + "/" + file.binary + " " + file.verb +
                              " --config '" + PTK_SOURCE_DIR + "/" + file.path +
                              "' --dump-config 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr) << command;
  std::string output;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status)) << command;
  EXPECT_EQ(WEXITSTATUS(status), 0) << command << "\n" << output;
}

INSTANTIATE_TEST_SUITE_P(Recipes, ShippedConfig, ::testing::ValuesIn(shipped_configs()), test_name);

// The walk above must find the configs, or the parameterised test silently runs none.
TEST(ShippedConfigs, AreFound) { EXPECT_GE(shipped_configs().size(), 3u); }

}  // namespace
