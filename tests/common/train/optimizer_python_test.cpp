// SGD (Nesterov) and AdamW with a no-decay group against Python torch.optim, run as a
// subprocess of Debian's interpreter on the same initial weights, gradients and LR sequence.
#include "common/train/optimizer.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <torch/types.h>

namespace ptk::train {
namespace {

struct Case {
  std::string optimizer;
  std::string dtype;  // "float32" | "float64"
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.optimizer << "/" << c.dtype; }

constexpr int kSteps = 4;
const std::vector<double> kLrs = {0.02, 0.05, 0.04, 0.01};

std::string literal(const std::vector<double>& values) {
  std::ostringstream out;
  out.precision(17);
  out << "[";
  for (size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  out << "]";
  return out.str();
}

std::vector<double> values_of(const at::Tensor& tensor) {
  const at::Tensor flat = tensor.detach().contiguous().to(torch::kDouble).reshape({-1});
  return std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
}

// Parameters and per-step gradients: fixed numbers that look like real ones (mixed signs,
// different scales per element).
struct Problem {
  std::vector<double> weight, bias;
  std::vector<std::vector<double>> weight_grads, bias_grads;

  Problem() {
    for (int i = 0; i < 6; ++i) weight.push_back(std::sin(1.3 * i + 0.4));
    for (int i = 0; i < 3; ++i) bias.push_back(0.25 * std::cos(2.1 * i));
    for (int step = 0; step < kSteps; ++step) {
      std::vector<double> wg, bg;
      for (int i = 0; i < 6; ++i) wg.push_back(std::sin(0.7 * i + 1.9 * step) * (1.0 + i % 3));
      for (int i = 0; i < 3; ++i) bg.push_back(0.1 * std::cos(0.5 * i - step));
      weight_grads.push_back(wg);
      bias_grads.push_back(bg);
    }
  }
};

OptimizerOptions options_for(const std::string& name) {
  OptimizerOptions options;
  options.name = name;
  options.lr = kLrs[0];
  options.momentum = 0.9;
  options.nesterov = true;
  options.weight_decay = name == "sgd" ? 1e-2 : 0.1;
  options.beta1 = 0.85;
  options.beta2 = 0.995;
  options.eps = 1e-6;
  options.no_decay_patterns = {"bias"};
  return options;
}

std::string python_script(const Case& c, const Problem& problem) {
  const OptimizerOptions o = options_for(c.optimizer);
  std::ostringstream s;
  s.precision(17);
  s << "import torch\n"
    << "dtype = torch." << c.dtype << "\n"
    << "w = torch.tensor(" << literal(problem.weight) << ", dtype=dtype).reshape(2, 3)"
    << ".requires_grad_(True)\n"
    << "b = torch.tensor(" << literal(problem.bias) << ", dtype=dtype).requires_grad_(True)\n"
    << "groups = [{'params': [w], 'weight_decay': " << o.weight_decay << "},\n"
    << "          {'params': [b], 'weight_decay': 0.0}]\n";
  if (c.optimizer == "sgd") {
    s << "opt = torch.optim.SGD(groups, lr=" << o.lr << ", momentum=" << o.momentum
      << ", nesterov=True)\n";
  } else {
    s << "opt = torch.optim.AdamW(groups, lr=" << o.lr << ", betas=(" << o.beta1 << ", " << o.beta2
      << "), eps=" << o.eps << ")\n";
  }
  s << "lrs = " << literal(kLrs) << "\n"
    << "wgs = [";
  for (const auto& g : problem.weight_grads) s << literal(g) << ", ";
  s << "]\nbgs = [";
  for (const auto& g : problem.bias_grads) s << literal(g) << ", ";
  s << "]\n"
    << "for step in range(" << kSteps << "):\n"
    << "    for group in opt.param_groups:\n"
    << "        group['lr'] = lrs[step]\n"
    << "    w.grad = torch.tensor(wgs[step], dtype=dtype).reshape(2, 3)\n"
    << "    b.grad = torch.tensor(bgs[step], dtype=dtype)\n"
    << "    opt.step()\n"
    << "for name, t in (('fc.weight', w), ('fc.bias', b)):\n"
    << "    print(name, ' '.join(repr(float(x)) for x in t.detach().double().reshape(-1)))\n";
  return s.str();
}

// Runs the script with PTK_PYTHON; returns name -> values as printed.
std::map<std::string, std::vector<double>> run_python(const std::string& script) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ptk_optimizer_py_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / "reference.py";
  std::ofstream(path) << script;
  const std::string command = std::string(PTK_PYTHON) + " " + path.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot start " + command);
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  std::filesystem::remove_all(dir);
  if (status != 0) throw std::runtime_error("python failed (" + command + "):\n" + output);

  std::map<std::string, std::vector<double>> result;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    std::string token;
    while (fields >> token) result[name].push_back(std::stod(token));
  }
  return result;
}

class OptimizerMatchesPython : public ::testing::TestWithParam<Case> {};

TEST_P(OptimizerMatchesPython, AfterStepsWithChangingLr) {
  const Case c = GetParam();
  const Problem problem;
  const auto dtype = c.dtype == "float32" ? torch::kFloat : torch::kDouble;
  const auto make = [&](const std::vector<double>& values) {
    return torch::tensor(values, torch::dtype(torch::kDouble)).to(dtype);
  };
  const std::vector<std::pair<std::string, at::Tensor>> parameters = {
      {"fc.weight", make(problem.weight).reshape({2, 3}).requires_grad_(true)},
      {"fc.bias", make(problem.bias).requires_grad_(true)}};
  auto optimizer = make_optimizer(options_for(c.optimizer), parameters);
  for (int step = 0; step < kSteps; ++step) {
    set_learning_rate(*optimizer, kLrs[step]);
    parameters[0].second.mutable_grad() = make(problem.weight_grads[step]).reshape({2, 3});
    parameters[1].second.mutable_grad() = make(problem.bias_grads[step]);
    optimizer->step();
  }

  const auto expected = run_python(python_script(c, problem));
  const double tol = c.dtype == "float32" ? 1e-6 : 1e-12;
  for (const auto& [name, tensor] : parameters) {
    ASSERT_EQ(expected.count(name), 1u) << "python printed no values for " << name;
    const std::vector<double> got = values_of(tensor);
    const std::vector<double>& want = expected.at(name);
    ASSERT_EQ(got.size(), want.size()) << name;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_NEAR(got[i], want[i], tol) << name << "[" << i << "]";
    }
  }
  // The updates are not trivially small: the comparison above would catch a wrong formula.
  EXPECT_GT(std::fabs(values_of(parameters[0].second)[0] - problem.weight[0]), 1e-3);
}

INSTANTIATE_TEST_SUITE_P(SgdAndAdamW, OptimizerMatchesPython,
                         ::testing::Values(Case{"sgd", "float32"}, Case{"sgd", "float64"},
                                           Case{"adamw", "float32"}, Case{"adamw", "float64"}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.optimizer + "_" + info.param.dtype;
                         });

}  // namespace
}  // namespace ptk::train
