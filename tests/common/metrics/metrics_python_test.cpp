// Our metrics against scikit-learn (accuracy_score, f1_score, matthews_corrcoef) and scipy
// (pearsonr, spearmanr) on random predictions: tests/python/glue_metrics_reference.py reads
// the files this test writes and prints its values, which must agree to 1e-9.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/metrics/classification_metrics.h"
#include "common/metrics/correlation_metrics.h"

namespace ptk::metrics {
namespace {

namespace fs = std::filesystem;

struct ClassificationCase {
  std::vector<int> labels, predictions;
};
struct RegressionCase {
  std::vector<double> x, y;
};

// Predictions right with probability `skill`, otherwise a uniformly random class.
ClassificationCase random_classification(std::mt19937_64& rng, int n, int classes, double skill) {
  std::uniform_int_distribution<int> any_class(0, classes - 1);
  std::bernoulli_distribution right(skill);
  ClassificationCase c;
  for (int i = 0; i < n; ++i) {
    const int label = any_class(rng);
    c.labels.push_back(label);
    c.predictions.push_back(right(rng) ? label : any_class(rng));
  }
  return c;
}

// STS-B-like targets on a 0..5 grid of fifths (many ties) and noisy predictions.
RegressionCase random_regression(std::mt19937_64& rng, int n, double noise) {
  std::uniform_int_distribution<int> grid(0, 25);
  std::normal_distribution<double> gauss(0.0, noise);
  RegressionCase c;
  for (int i = 0; i < n; ++i) {
    const double target = grid(rng) / 5.0;
    c.x.push_back(target);
    c.y.push_back(target + gauss(rng));
  }
  return c;
}

std::string run_reference(const fs::path& dir) {
  const std::string command = std::string(PTK_PYTHON) + " " + PTK_SOURCE_DIR +
                              "/tests/python/glue_metrics_reference.py " + dir.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string output;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status != 0) output += "\n(exit status " + std::to_string(status) + ")";
  return output;
}

TEST(MetricsPython, AgreeWithScikitLearnAndScipyOnRandomPredictions) {
  // A unique directory: builds in other worktrees may run this test at the same time.
  std::string pattern = ::testing::TempDir() + "ptk_metrics_python_XXXXXX";
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;

  std::mt19937_64 rng(20240611);
  std::map<std::string, ClassificationCase> classification = {
      {"binary_small", random_classification(rng, 17, 2, 0.5)},
      {"binary_large", random_classification(rng, 5000, 2, 0.7)},
      {"binary_skewed", random_classification(rng, 300, 2, 0.95)},
      {"three_class", random_classification(rng, 2000, 3, 0.6)},
      {"constant_prediction", {{0, 1, 1, 0, 1}, {1, 1, 1, 1, 1}}},
  };
  std::map<std::string, RegressionCase> regression = {
      {"stsb_small", random_regression(rng, 12, 1.0)},
      {"stsb_large", random_regression(rng, 1500, 0.8)},
      {"anti", {{1, 2, 3, 4, 5}, {5, 3, 3, 2, 0.5}}},
  };
  for (const auto& [name, c] : classification) {
    std::ofstream out(dir / (name + ".cls.tsv"));
    for (size_t i = 0; i < c.labels.size(); ++i)
      out << c.labels[i] << '\t' << c.predictions[i] << '\n';
  }
  for (const auto& [name, c] : regression) {
    std::ofstream out(dir / (name + ".reg.tsv"));
    out.precision(17);
    for (size_t i = 0; i < c.x.size(); ++i) out << c.x[i] << '\t' << c.y[i] << '\n';
  }

  const std::string output = run_reference(dir);
  std::istringstream lines(output);
  int compared = 0;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string name, metric, value_text;
    fields >> name >> metric >> value_text;
    ASSERT_TRUE(fields) << "unexpected reference output: " << output;
    const double expected = std::stod(value_text);
    double actual = NAN;
    if (classification.count(name)) {
      const auto& c = classification.at(name);
      if (metric == "accuracy") actual = accuracy(c.labels, c.predictions);
      if (metric == "f1") actual = binary_f1(c.labels, c.predictions);
      if (metric == "mcc") actual = matthews_corrcoef(c.labels, c.predictions);
    } else {
      const auto& c = regression.at(name);
      if (metric == "pearson") actual = pearson(c.x, c.y);
      if (metric == "spearman") actual = spearman(c.x, c.y);
    }
    EXPECT_NEAR(actual, expected, 1e-9) << name << " " << metric;
    ++compared;
  }
  // 4 binary files x 3 metrics + 1 three-class x 2 + 3 regression x 2.
  EXPECT_EQ(compared, 4 * 3 + 2 + 3 * 2) << output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ptk::metrics
