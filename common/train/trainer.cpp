#include "common/train/trainer.h"
#include "common/base/blas_threads.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "common/base/error.h"
#include "common/dist/grad_sync.h"
#include "common/dist/module_broadcast.h"
#include "common/dist/reductions.h"
#include "common/io/state_dict.h"
#include "common/log/logging.h"
#include "common/log/metric_logger.h"
#include "common/train/checkpoint.h"
#include "common/train/lr_schedule.h"
#include "common/train/optimizer.h"
#include "common/train/precision.h"
#include "common/train/run_dir.h"
#include "common/train/signals.h"
#include "common/train/weight_import.h"

namespace ptk::train {
namespace {

using Clock = std::chrono::steady_clock;

c10::Device resolve_device(const std::string& name, int local_rank) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  const bool cuda = torch::cuda::is_available();
  if (name == "cuda" && !cuda) {
    throw UsageError("train.device=cuda but this LibTorch sees no CUDA device; use cpu or auto");
  }
  if (!cuda) return c10::Device(c10::kCPU);
  const int count = static_cast<int>(torch::cuda::device_count());
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(local_rank % count));
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void add_metrics(std::map<std::string, dist::SumCount>& into,
                 const std::map<std::string, dist::SumCount>& from) {
  for (const auto& [key, value] : from) {
    into[key].sum += value.sum;
    into[key].count += value.count;
  }
}

Batch to_device(Batch batch, const c10::Device& device) {
  for (auto& [name, tensor] : batch.fields) {
    if (tensor.defined() && tensor.device() != device) {
      tensor = tensor.to(device, /*non_blocking=*/true);
    }
  }
  return batch;
}

// Global L2 norm of the gradients. After GradSync::finish() every rank holds the same averaged
// gradients, so every rank computes the same norm (and the same clipping factor).
double gradient_norm(const std::vector<at::Tensor>& parameters) {
  std::vector<at::Tensor> norms;
  for (const auto& parameter : parameters) {
    if (parameter.grad().defined())
      norms.push_back(parameter.grad().detach().norm(2).to(at::kDouble));
  }
  if (norms.empty()) return 0.0;
  return at::stack(norms).norm(2).item<double>();
}

void scale_gradients(const std::vector<at::Tensor>& parameters, double factor) {
  for (const auto& parameter : parameters) {
    if (parameter.grad().defined()) parameter.grad().mul_(factor);
  }
}

void zero_gradients(const std::vector<at::Tensor>& parameters) {
  for (const auto& parameter : parameters) {
    if (parameter.grad().defined()) parameter.mutable_grad().zero_();
  }
}

// SplitMix64 finaliser over the three inputs: nearby steps get unrelated seeds.
uint64_t step_seed(uint64_t seed, int64_t step, int rank) {
  uint64_t x = seed ^ (static_cast<uint64_t>(step) * 0x9E3779B97F4A7C15ULL) ^
               (static_cast<uint64_t>(rank) << 48);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

TrainingSetup setup_training(const config::Config& config) {
  TrainOptions options = train_options(config);
  TrainingSetup setup;
  setup.env = dist::resolve_launch_env(options.launch);

  log::LogOptions log_options;
  log_options.level = options.log_level;
  log_options.file = options.run_dir + "/train.log";
  log::setup_logging(setup.env.rank, log_options);

  // Early, so a preemption signal that arrives during rendezvous becomes a clean stop at the
  // first step instead of killing the process.
  install_stop_signal_handlers();
  if (options.threads > 0) {
    at::set_num_threads(static_cast<int>(options.threads));
    set_blas_threads(static_cast<int>(options.threads));
  }
  torch::manual_seed(static_cast<uint64_t>(options.seed));

  setup.device = resolve_device(options.device, setup.env.local_rank);
  if (setup.device.is_cuda()) {
    // NCCL and every kernel launched without an explicit device use the current one. Set
    // through the device-generic interface, so this file needs no CUDA headers.
    c10::impl::getDeviceGuardImpl(c10::kCUDA)->setDevice(setup.device);
  }
  dist::BackendKind backend =
      options.backend == "auto"
          ? (setup.device.is_cuda() ? dist::BackendKind::kNccl : dist::BackendKind::kGloo)
          : dist::parse_backend(options.backend);
  if (backend == dist::BackendKind::kNccl && !setup.device.is_cuda()) {
    throw UsageError("dist.backend=nccl needs CUDA devices; this run is on the CPU (use gloo)");
  }
  spdlog::info("{}", dist::describe(setup.env));
  setup.group =
      dist::ProcessGroup::create(setup.env, backend, std::chrono::seconds(options.timeout_s));
  return setup;
}

Trainer::Trainer(config::Config config, TrainingSetup setup)
    : config_(std::move(config)), options_(train_options(config_)), setup_(std::move(setup)) {
  if (!setup_.group) throw Error("Trainer needs a process group (see setup_training)");
}

TrainResult Trainer::fit(Task& task) {
  dist::ProcessGroup& group = *setup_.group;
  const int rank = group.rank();
  const int world = group.size();
  const TrainOptions& o = options_;
  const c10::Device device = setup_.device;

  if (o.global_batch % (world * o.accumulation) != 0) {
    throw UsageError("train.global_batch=" + std::to_string(o.global_batch) +
                     " must be divisible by world size (" + std::to_string(world) +
                     ") x train.accumulation (" + std::to_string(o.accumulation) + ")");
  }
  const int64_t micro_batch = o.global_batch / (world * o.accumulation);
  const int64_t samples_per_epoch = task.samples_per_epoch();
  if (o.global_batch > samples_per_epoch) {
    throw UsageError("train.global_batch=" + std::to_string(o.global_batch) +
                     " is larger than an epoch (" + std::to_string(samples_per_epoch) +
                     " samples)");
  }
  const Precision precision = resolve_precision(o.precision, device);

  torch::nn::Module& model = task.model();
  model.to(device);
  task.moved_to(device);
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(o.cudnn_benchmark);
  model.train();

  RunDir run = prepare_run_dir(o.run_dir, rank, config_, /*start_over=*/!o.resume);
  if (run.removed_checkpoints > 0) {
    spdlog::warn("checkpoint.resume=false: deleted {} checkpoints of {} to start over",
                 run.removed_checkpoints, o.run_dir);
  }
  group.barrier();  // nobody looks for checkpoints while rank 0 cleans up temporaries

  std::vector<std::pair<std::string, at::Tensor>> named_parameters;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    named_parameters.emplace_back(item.key(), item.value());
  }
  std::vector<at::Tensor> parameters = model.parameters(/*recurse=*/true);
  OptimizerOptions optimizer_opts = optimizer_options(config_, o.global_batch);
  std::unique_ptr<torch::optim::Optimizer> optimizer =
      make_optimizer(optimizer_opts, named_parameters);
  LrSchedule schedule(optimizer_opts.lr, schedule_options(config_, o.steps));

  TrainResult result;
  int64_t step = 0;
  LoaderPosition position;
  int64_t samples_consumed = 0;
  int64_t skipped_steps = 0;
  int64_t last_checkpoint_step = -1;

  std::optional<std::string> resume_dir;
  if (o.resume) resume_dir = find_resume(o.run_dir);
  if (resume_dir) {
    CheckpointState state = read_checkpoint_state(*resume_dir);
    io::load_module_state_dict(model, read_checkpoint_model(*resume_dir), /*strict=*/true);
    load_checkpoint_optimizer(*resume_dir, *optimizer);
    step = state.step;
    position = state.position;
    samples_consumed = state.samples_consumed;
    skipped_steps = state.skipped_steps;
    last_checkpoint_step = step;
    result.last_checkpoint = *resume_dir;
    if (state.seed != o.seed) {
      spdlog::warn("{} was written with train.seed={}, this run has train.seed={}", *resume_dir,
                   state.seed, o.seed);
    }
    spdlog::info("resuming from {} (step {}, epoch {}, sample {} of the epoch)", *resume_dir, step,
                 position.epoch, position.samples_in_epoch);
  }
  if (!resume_dir && !o.init_from.empty()) {
    // Every rank reads the file (so every rank sees the same error); rank 0's copy is then
    // broadcast like any initialisation.
    const ImportSummary imported =
        import_weights(model, task.adapt_imported_weights(read_weight_file(o.init_from)),
                       o.init_exclude, o.init_from);
    spdlog::info("init.from {}: {} tensors loaded, {} kept at their initial values{}", o.init_from,
                 imported.loaded, imported.kept_initial.size(),
                 imported.ignored.empty()
                     ? std::string()
                     : ", " + std::to_string(imported.ignored.size()) + " in the file ignored");
  }
  // Every rank must continue from the same checkpoint (a shared run directory); a rank that saw
  // another one would silently train a different model.
  const double step_sum = dist::all_reduce_scalar_sum(group, static_cast<double>(step));
  if (step_sum != static_cast<double>(step) * world) {
    throw Error("ranks disagree on the checkpoint to resume from in " + o.run_dir +
                " (this rank: step " + std::to_string(step) +
                "); run.dir must be one directory shared by all ranks");
  }
  dist::broadcast_module(group, model);
  result.start_step = step;

  dist::GradSync grad_sync(setup_.group, parameters, static_cast<size_t>(o.bucket_mb) << 20);
  log::MetricLogger metrics = log::MetricLogger::for_run(o.run_dir, rank, o.steps);

  StreamSpec spec;
  spec.rank = rank;
  spec.world_size = world;
  spec.global_batch = o.global_batch;
  spec.accumulation = o.accumulation;
  spec.micro_batch = micro_batch;
  spec.samples_per_epoch = samples_per_epoch;
  spec.start = position;
  spec.device = device;
  std::unique_ptr<BatchStream> stream = task.open_train_stream(spec);

  install_stop_signal_handlers();
  spdlog::info(
      "training {} steps from step {}: global batch {} = {} ranks x {} micro-steps x {}, "
      "{} on {}",
      o.steps, step, o.global_batch, world, o.accumulation, micro_batch, precision_name(precision),
      device.str());

  auto save = [&]() {
    CheckpointState state;
    state.step = step;
    state.position = position;
    state.samples_consumed = samples_consumed;
    state.seed = o.seed;
    state.world_size = world;
    state.skipped_steps = skipped_steps;
    state.config_yaml = config_.to_yaml();
    // Rank 0 writes; the others wait for its verdict so a failed write stops every rank
    // instead of leaving them blocked in the next collective.
    std::string failure;
    if (rank == 0) {
      try {
        metrics.flush();
        result.last_checkpoint = write_checkpoint(o.run_dir, io::module_state_dict(model),
                                                  *optimizer, state, o.checkpoint_keep);
        spdlog::info("checkpoint {}", result.last_checkpoint);
      } catch (const Error& e) {
        failure = e.what();
      }
    }
    if (dist::any_rank(group, !failure.empty())) {
      throw Error(rank == 0
                      ? failure
                      : "rank 0 failed to write the checkpoint of step " + std::to_string(step));
    }
    if (rank != 0) result.last_checkpoint = checkpoint_path(o.run_dir, step);
    last_checkpoint_step = step;
  };

  auto evaluate = [&]() {
    model.eval();
    std::map<std::string, dist::SumCount> local;
    {
      at::NoGradGuard no_grad;
      AutocastScope autocast(precision, device);
      EvalContext context{rank, world, step, device};
      local = task.evaluate(context);
    }
    model.train();
    std::map<std::string, dist::SumCount> global = dist::reduce_sums(group, local);
    if (global.empty()) return;
    log::Scalars scalars;
    result.eval.clear();
    for (const auto& [key, value] : global) {
      scalars.emplace_back("eval/" + key, value.mean());
      result.eval[key] = value.mean();
    }
    metrics.write(step, scalars);
  };

  // Metrics accumulate locally between log lines and are reduced as sums and counts.
  std::map<std::string, dist::SumCount> window;
  int64_t window_samples = 0;
  Clock::time_point window_start = Clock::now();
  const Clock::time_point run_start = Clock::now();
  const int64_t run_start_step = step;
  int64_t consecutive_bad = 0;
  double grad_norm = 0.0;
  int64_t last_eval_step = -1;
  std::vector<at::Tensor> buffers = model.buffers(/*recurse=*/true);
  std::vector<at::Tensor> buffer_backup;
  for (const auto& buffer : buffers) buffer_backup.push_back(buffer.detach().clone());

  while (step < o.steps) {
    if (dist::any_rank(group, stop_requested())) {
      spdlog::warn("stop requested (signal {}): checkpointing at step {} and exiting",
                   stop_signal(), step);
      result.stopped_by_signal = true;
      break;
    }

    const double lr = schedule.lr_at(step);
    set_learning_rate(*optimizer, lr);
    optimizer->zero_grad();
    // Randomness drawn from LibTorch's generators inside the model (dropout) is keyed by
    // (seed, step, rank), like the data's counter RNG: a resumed run draws the same masks as
    // the uninterrupted one, with no generator state in the checkpoint.
    torch::manual_seed(step_seed(static_cast<uint64_t>(o.seed), step, group.rank()));

    // Forward passes update buffers (BatchNorm running statistics) even when the step is then
    // skipped; a non-finite batch would poison them for good, so they are restored.
    for (size_t i = 0; i < buffers.size(); ++i) buffer_backup[i].copy_(buffers[i]);
    bool local_bad = false;
    std::map<std::string, dist::SumCount> step_metrics;
    for (int64_t micro = 0; micro < o.accumulation; ++micro) {
      Batch batch = to_device(stream->next(), device);
      LossOutput output;
      {
        AutocastScope autocast(precision, device);
        output = task.compute_loss(batch);
      }
      if (!output.loss.defined() || output.loss.numel() != 1) {
        throw Error("Task::compute_loss must return a scalar loss (the micro-batch mean)");
      }
      const double loss_value = output.loss.detach().to(at::kDouble).item<double>();
      if (!std::isfinite(loss_value)) local_bad = true;
      // Each rank's micro-batch loss is a mean over micro_batch samples; dividing by the
      // accumulation count and GradSync's average over ranks make the gradient that of the
      // mean over the whole global batch.
      grad_sync.set_sync_enabled(micro == o.accumulation - 1);
      (output.loss / static_cast<double>(o.accumulation)).backward();
      step_metrics["loss"].sum += loss_value * static_cast<double>(batch.size);
      step_metrics["loss"].count += static_cast<double>(batch.size);
      add_metrics(step_metrics, output.metrics);
    }
    grad_sync.finish();
    grad_norm = gradient_norm(parameters);

    // Every rank takes the same decision, or their collectives would fall out of step.
    const bool bad = dist::any_rank(group, local_bad || !std::isfinite(grad_norm));
    if (bad) {
      zero_gradients(parameters);
      {
        at::NoGradGuard no_grad;
        for (size_t i = 0; i < buffers.size(); ++i) buffers[i].copy_(buffer_backup[i]);
      }
      ++skipped_steps;
      ++consecutive_bad;
      spdlog::warn("step {}: non-finite loss or gradient, step skipped ({} in a row, {} in all)",
                   step, consecutive_bad, skipped_steps);
      if (consecutive_bad > o.max_bad_steps) {
        metrics.flush();
        throw Error("non-finite loss or gradient in " + std::to_string(consecutive_bad) +
                    " consecutive steps (last at step " + std::to_string(step) +
                    ", train.max_bad_steps=" + std::to_string(o.max_bad_steps) +
                    "): lower the learning rate, enable train.clip_norm or check the data");
      }
    } else {
      consecutive_bad = 0;
      if (o.clip_norm > 0 && grad_norm > o.clip_norm) {
        scale_gradients(parameters, o.clip_norm / (grad_norm + 1e-6));
      }
      optimizer->step();
      add_metrics(window, step_metrics);
    }

    position = advance(position, o.global_batch, samples_per_epoch);
    samples_consumed += o.global_batch;
    window_samples += o.global_batch;
    ++step;

    if (step % o.log_every == 0 || step == o.steps) {
      // Every rank must offer the same keys, including on an all-skipped window.
      window["loss"];
      std::map<std::string, dist::SumCount> global = dist::reduce_sums(group, window);
      const double window_seconds = seconds_since(window_start);
      const double run_seconds = seconds_since(run_start);
      const double steps_per_second =
          run_seconds > 0 ? static_cast<double>(step - run_start_step) / run_seconds : 0.0;
      log::Scalars scalars;
      scalars.emplace_back(log::kLossKey, global["loss"].mean());
      for (const auto& [key, value] : global) {
        if (key != "loss") scalars.emplace_back(key, value.mean());
      }
      scalars.emplace_back(log::kLrKey, lr);
      scalars.emplace_back("grad_norm", grad_norm);
      scalars.emplace_back(log::kSamplesPerSecondKey,
                           window_seconds > 0 ? window_samples / window_seconds : 0.0);
      scalars.emplace_back(
          log::kEtaSecondsKey,
          steps_per_second > 0 ? static_cast<double>(o.steps - step) / steps_per_second : 0.0);
      scalars.emplace_back("epoch", static_cast<double>(position.epoch));
      scalars.emplace_back("samples", static_cast<double>(samples_consumed));
      scalars.emplace_back("skipped_steps", static_cast<double>(skipped_steps));
      metrics.write(step, scalars);
      window.clear();
      window_samples = 0;
      window_start = Clock::now();
    }
    if (o.eval_every > 0 && step % o.eval_every == 0) {
      evaluate();
      last_eval_step = step;
    }
    if (o.checkpoint_every > 0 && step % o.checkpoint_every == 0) save();
  }

  if (!result.stopped_by_signal && last_eval_step != step) evaluate();
  if (last_checkpoint_step != step) save();
  metrics.flush();
  result.final_step = step;
  result.skipped_steps = skipped_steps;
  spdlog::info("{} at step {}/{}: {} samples, {} skipped steps, checkpoint {}",
               result.stopped_by_signal ? "stopped" : "finished", step, o.steps, samples_consumed,
               skipped_steps, result.last_checkpoint);
  return result;
}

}  // namespace ptk::train
