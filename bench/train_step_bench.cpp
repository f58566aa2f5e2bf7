// Training-step throughput: the toolkit's forward + backward + optimizer step (bench/
// train_workload.h) against the same model and batch in Python PyTorch
// (bench/train_step_reference.py: torchvision's ResNeXt; for BERT, torch.nn.TransformerEncoder
// with BERT's dimensions, or transformers' BertForPreTraining where installed), same threads,
// same device, runs alternating between the two. Prints a markdown table with the median
// throughput of each side and the ratio per run.
//
//   train_step_bench [--models a,b,...] [--device cpu|cuda] [--precision auto|fp32|bf16]
//                    [--threads N] [--runs N] [--steps N] [--warmup N] [--batch N]
//                    [--reference-impl auto|encoder|hf] [--peak-tflops T] [--no-reference]
//   train_step_bench --check N [--models ...] [--device ...] [--precision ...]
//       prints the loss of N steps per model with dropout off, one JSON object per line (the
//       GPU script compares a CUDA run with a CPU run of the same binary).
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/median.h"
#include "bench/reference_script.h"
#include "bench/train_workload.h"
#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/train/precision.h"

namespace {

using ptk::bench::median;

using ptk::bench::TrainWorkload;
using ptk::bench::WorkloadSpec;

struct Options {
  std::vector<std::string> models = ptk::bench::workload_names();
  std::string device = "cpu";
  std::string precision = "auto";
  int threads = 2;
  int runs = 3;
  int steps = 0;   // 0: 3 on CPU, 30 on CUDA
  int warmup = 0;  // 0: 1 on CPU, 10 on CUDA (cuDNN autotuning, allocator warm-up)
  int64_t batch = 0;
  std::string reference_impl = "auto";
  double peak_tflops = 0;
  bool reference = true;
  int check_steps = 0;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-reference") {
      o.reference = false;
      continue;
    }
    if (i + 1 >= argc) throw ptk::usage_error("{}: missing value", flag);
    const std::string value = argv[++i];
    if (flag == "--models")
      o.models = split_list(value);
    else if (flag == "--device")
      o.device = value;
    else if (flag == "--precision")
      o.precision = value;
    else if (flag == "--threads")
      o.threads = std::stoi(value);
    else if (flag == "--runs")
      o.runs = std::stoi(value);
    else if (flag == "--steps")
      o.steps = std::stoi(value);
    else if (flag == "--warmup")
      o.warmup = std::stoi(value);
    else if (flag == "--batch")
      o.batch = std::stoll(value);
    else if (flag == "--reference-impl")
      o.reference_impl = value;
    else if (flag == "--peak-tflops")
      o.peak_tflops = std::stod(value);
    else if (flag == "--check")
      o.check_steps = std::stoi(value);
    else
      throw ptk::usage_error("unknown flag {}", flag);
  }
  if (o.device != "cpu" && o.device != "cuda") throw ptk::usage_error("--device: cpu or cuda");
  if (o.device == "cuda" && !torch::cuda::is_available()) {
    throw ptk::usage_error("--device cuda: this LibTorch sees no CUDA device");
  }
  if (o.threads < 1 || o.runs < 1 || o.steps < 0 || o.warmup < 0) {
    throw ptk::usage_error("--threads and --runs must be >= 1, --steps and --warmup >= 0");
  }
  const bool cuda = o.device == "cuda";
  if (o.steps == 0) o.steps = cuda ? 30 : 3;
  if (o.warmup == 0) o.warmup = cuda ? 10 : 1;
  return o;
}

// Samples per second of one run: warm-up steps, then the median of timed steps.
double time_toolkit(const WorkloadSpec& spec, const Options& o, const c10::Device& device,
                    ptk::train::Precision precision, double* flops_per_sample) {
  TrainWorkload workload(spec, device, precision);
  for (int i = 0; i < o.warmup; ++i) workload.step();
  std::vector<double> seconds;
  for (int i = 0; i < o.steps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    workload.step();
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  *flops_per_sample = workload.flops_per_sample();
  return static_cast<double>(workload.spec().batch) / median(seconds);
}

// The reference reports "samples_per_s=<value>".
double time_reference(const WorkloadSpec& spec, const Options& o, const std::string& precision) {
  std::ostringstream arguments;
  arguments << "--model " << spec.model << " --batch " << spec.batch << " --image-size "
            << spec.image_size << " --seq-length " << spec.seq_length << " --steps " << o.steps
            << " --warmup " << o.warmup << " --threads " << o.threads << " --device " << o.device
            << " --precision " << precision << " --impl " << o.reference_impl;
  const std::string output =
      ptk::bench::run_reference_script("train_step_reference.py", arguments.str());
  const double samples_per_s = ptk::bench::reported_value(output, "samples_per_s");
  if (samples_per_s <= 0) {
    throw ptk::error(
        "bench/train_step_reference.py {} reported no samples_per_s (its errors are above); "
        "output: {}",
        arguments.str(), output);
  }
  return samples_per_s;
}

std::string format(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void run_check(const Options& o, const c10::Device& device, ptk::train::Precision precision) {
  for (const std::string& model : o.models) {
    WorkloadSpec spec;
    spec.model = model;
    spec.batch = o.batch > 0 ? o.batch : 8;
    spec.dropout = false;
    TrainWorkload workload(spec, device, precision);
    std::cout << "{\"model\": \"" << model << "\", \"device\": \"" << o.device
              << "\", \"precision\": \"" << ptk::train::precision_name(precision)
              << "\", \"losses\": [";
    for (int i = 0; i < o.check_steps; ++i) {
      std::cout << (i ? ", " : "") << format(workload.step(), 6);
    }
    std::cout << "]}" << std::endl;
  }
}

int run(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const c10::Device device(o.device == "cuda" ? c10::kCUDA : c10::kCPU);
  const ptk::train::Precision precision = ptk::train::resolve_precision(o.precision, device);
  at::set_num_threads(o.threads);
  if (o.check_steps > 0) {
    run_check(o, device, precision);
    return 0;
  }
  const std::string precision_text = ptk::train::precision_name(precision);
  std::cout << "device " << o.device << ", precision " << precision_text << ", " << o.threads
            << " threads, " << o.runs << " runs of " << o.warmup << " warm-up + " << o.steps
            << " timed steps (median step) per side, alternating\n\n";
  std::cout << "| model | batch | ptk samples/s | reference samples/s | ratio (per run) |"
            << (o.peak_tflops > 0 ? " ptk MFU | reference MFU |" : "") << "\n";
  std::cout << "|---|---:|---:|---:|---|" << (o.peak_tflops > 0 ? "---:|---:|" : "") << "\n";
  for (const std::string& model : o.models) {
    WorkloadSpec spec;
    spec.model = model;
    spec.batch = o.batch;
    spec = ptk::bench::resolve_workload(spec, device);
    std::vector<double> ours, theirs, ratios;
    double flops = 0;
    for (int r = 0; r < o.runs; ++r) {
      ours.push_back(time_toolkit(spec, o, device, precision, &flops));
      if (o.reference) {
        theirs.push_back(time_reference(spec, o, precision_text));
        ratios.push_back(ours.back() / theirs.back());
      }
    }
    std::string per_run;
    for (double ratio : ratios) per_run += (per_run.empty() ? "" : ", ") + format(ratio, 2);
    const double ours_median = median(ours);
    const double theirs_median = theirs.empty() ? 0 : median(theirs);
    std::cout << "| " << model << " | " << spec.batch << " | " << format(ours_median, 2) << " | "
              << (theirs.empty() ? "-" : format(theirs_median, 2)) << " | "
              << (ratios.empty() ? "-" : "**" + format(median(ratios), 2) + "x** (" + per_run + ")")
              << " |";
    if (o.peak_tflops > 0) {
      const double peak = o.peak_tflops * 1e12;
      std::cout << " " << format(100.0 * ours_median * flops / peak, 1) << "% | "
                << (theirs.empty() ? "-" : format(100.0 * theirs_median * flops / peak, 1) + "%")
                << " |";
    }
    std::cout << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("train_step_bench", [&] { return run(argc, argv); });
}
