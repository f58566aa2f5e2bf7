// Interoperability with Debian's python3-torch: files we write are read by torch.load and by an
// independent safetensors reader; files torch.save writes are read by load_torch_state_dict.
// The Python side is tests/python/io_interop.py, run as a subprocess with PTK_PYTHON.
#include <ATen/ATen.h>
#include <torch/nn.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/base/error.h"
#include "common/io/safetensors.h"
#include "common/io/state_dict.h"
#include "tests/common/io/test_dir.h"

namespace ptk::io {
namespace {

using testing::TestDir;

// Mirrors io_interop.py's Block.
struct BlockImpl : torch::nn::Module {
  BlockImpl() {
    body = register_module(
        "body",
        torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).bias(false)),
                              torch::nn::BatchNorm2d(4)));
    scale = register_parameter("scale", at::ones({4}));
    steps = register_buffer("steps", at::zeros({1}, at::kLong));
    head = register_module("head", torch::nn::Linear(4, 2));
  }
  torch::nn::Sequential body{nullptr};
  at::Tensor scale, steps;
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(Block);

std::string dtype_name(at::ScalarType type) {
  switch (type) {
    case at::kDouble:
      return "F64";
    case at::kFloat:
      return "F32";
    case at::kHalf:
      return "F16";
    case at::kBFloat16:
      return "BF16";
    case at::kLong:
      return "I64";
    case at::kInt:
      return "I32";
    case at::kShort:
      return "I16";
    case at::kChar:
      return "I8";
    case at::kByte:
      return "U8";
    case at::kBool:
      return "BOOL";
    default:
      return "?";
  }
}

// The text format io_interop.py reads: name, dtype, shape, exact values as float64.
void write_expected(const std::string& path, const StateDict& state) {
  std::ofstream out(path);
  for (const auto& [name, tensor] : state) {
    out << name << '\t' << dtype_name(tensor.scalar_type()) << '\t';
    for (int64_t i = 0; i < tensor.dim(); ++i) out << (i ? "," : "") << tensor.size(i);
    out << '\t';
    const at::Tensor values = tensor.detach().to(at::kDouble).contiguous();
    const double* p = values.data_ptr<double>();
    char buffer[40];
    for (int64_t i = 0; i < values.numel(); ++i) {
      std::snprintf(buffer, sizeof(buffer), "%.17g", p[i]);
      out << (i ? " " : "") << buffer;
    }
    out << '\n';
  }
}

struct Expected {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::vector<double> values;
};

std::vector<Expected> read_expected(const std::string& path) {
  std::vector<Expected> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, '\t')) fields.push_back(field);
    fields.resize(4);
    Expected e{fields[0], fields[1], {}, {}};
    std::stringstream shape(fields[2]);
    while (std::getline(shape, field, ',')) e.shape.push_back(std::stoll(field));
    std::stringstream values(fields[3]);
    while (values >> field) e.values.push_back(std::strtod(field.c_str(), nullptr));
    out.push_back(std::move(e));
  }
  return out;
}

void expect_matches(const StateDict& got, const std::vector<Expected>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const at::Tensor& t = got[i].second;
    EXPECT_EQ(got[i].first, want[i].name);
    EXPECT_EQ(dtype_name(t.scalar_type()), want[i].dtype) << want[i].name;
    EXPECT_EQ(t.sizes().vec(), want[i].shape) << want[i].name;
    const at::Tensor values = t.to(at::kDouble).contiguous();
    ASSERT_EQ(values.numel(), static_cast<int64_t>(want[i].values.size())) << want[i].name;
    for (int64_t k = 0; k < values.numel(); ++k) {
      ASSERT_EQ(values.data_ptr<double>()[k], want[i].values[k]) << want[i].name << "[" << k << "]";
    }
  }
}

// Runs io_interop.py with `args`; returns its exit status, output in `output`.
int run_python(const std::string& args, std::string* output) {
  const std::string command = std::string(PTK_PYTHON) + " " + PTK_SOURCE_DIR +
                              "/tests/python/io_interop.py " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output->append(buffer, n);
  return ::pclose(pipe);
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

TEST(IoPython, TorchLoadReadsSavedModuleStateDict) {
  TestDir dir;
  Block block;
  {
    torch::NoGradGuard no_grad;
    block->body[1]->as<torch::nn::BatchNorm2d>()->running_mean.uniform_(-1, 1);
    block->steps.fill_(41);
    block->scale.normal_();
  }
  const StateDict state = module_state_dict(*block);
  save_torch_state_dict(dir.file("model.pt"), state);
  write_expected(dir.file("model.txt"), state);
  std::string output;
  const int status = run_python(
      "check-state-dict " + quoted(dir.file("model.pt")) + " " + quoted(dir.file("model.txt")),
      &output);
  EXPECT_EQ(status, 0) << output;
}

TEST(IoPython, LoadsDictsWrittenByTorchSave) {
  TestDir dir;
  std::string output;
  ASSERT_EQ(run_python("write-torch-save " + quoted(dir.path()), &output), 0) << output;
  expect_matches(load_torch_state_dict(dir.file("dict.pt")), read_expected(dir.file("dict.txt")));
  const StateDict module_state = load_torch_state_dict(dir.file("module.pt"));
  expect_matches(module_state, read_expected(dir.file("module.txt")));
  Block block;
  load_module_state_dict(*block, module_state, /*strict=*/true);

  try {
    load_torch_state_dict(dir.file("ordered.pt"));
    FAIL() << "LibTorch learned to read OrderedDict pickles: drop the workaround hint";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("ordered.pt"), std::string::npos) << msg;
    EXPECT_NE(msg.find("save dict(model.state_dict())"), std::string::npos) << msg;
  }
}

TEST(IoPython, IndependentReaderParsesOurSafetensors) {
  TestDir dir;
  StateDict state;
  const std::vector<at::ScalarType> types = {at::kDouble, at::kFloat, at::kHalf,  at::kBFloat16,
                                             at::kLong,   at::kInt,   at::kShort, at::kChar,
                                             at::kByte,   at::kBool};
  for (at::ScalarType type : types) {
    const std::string name = "w." + dtype_name(type);
    at::Tensor values = at::linspace(-100, 100, 24, at::kDouble).reshape({2, 3, 4});
    state.emplace_back(name, type == at::kBool ? values > 0 : values.to(type));
    state.emplace_back(name + ".scalar", at::scalar_tensor(-3, at::kDouble).to(type));
    state.emplace_back(name + ".empty", at::zeros({0, 2}, type));
  }
  save_safetensors(dir.file("model.safetensors"), state, {{"step", "12"}});
  write_expected(dir.file("model.txt"), state);
  std::string output;
  const int status = run_python("check-safetensors " + quoted(dir.file("model.safetensors")) + " " +
                                    quoted(dir.file("model.txt")),
                                &output);
  EXPECT_EQ(status, 0) << output;
}

}  // namespace
}  // namespace ptk::io
