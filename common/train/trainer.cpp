#include "common/train/trainer.h"
#include "common/base/blas_threads.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "common/base/error.h"
#include "common/dist/module_broadcast.h"
#include "common/dist/reductions.h"
#include "common/io/state_dict.h"
#include "common/log/console_sink.h"
#include "common/log/logging.h"
#include "common/log/metric_logger.h"
#include "common/train/checkpoint.h"
#include "common/train/metric_window.h"
#include "common/train/precision.h"
#include "common/train/run_dir.h"
#include "common/train/signals.h"
#include "common/train/step_scheduler.h"
#include "common/train/updater.h"
#include "common/train/weight_import.h"

namespace ptk::train {
namespace {

c10::Device resolve_device(const std::string& name, int local_rank) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  const bool cuda = torch::cuda::is_available();
  if (name == "cuda" && !cuda) {
    throw usage_error("train.device=cuda but this LibTorch sees no CUDA device; use cpu or auto");
  }
  if (!cuda) return c10::Device(c10::kCPU);
  const int count = static_cast<int>(torch::cuda::device_count());
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(local_rank % count));
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
    throw usage_error("dist.backend=nccl needs CUDA devices; this run is on the CPU (use gloo)");
  }
  spdlog::info("{}", dist::describe(setup.env));
  setup.group =
      dist::ProcessGroup::create(setup.env, backend, std::chrono::seconds(options.timeout_s));
  return setup;
}

TrainingSetup single_process_setup(const c10::Device& device) {
  TrainingSetup setup;
  setup.device = device;
  setup.group = dist::ProcessGroup::single();
  return setup;
}

TrainerSettings trainer_settings(const config::Config& config) {
  TrainerSettings settings;
  settings.train = train_options(config);
  settings.optimizer = optimizer_options(config, settings.train.global_batch);
  settings.schedule = schedule_options(config, settings.train.steps);
  settings.config_yaml = config.to_yaml();
  return settings;
}

TrainerSettings in_memory_run_settings(int64_t batch, int64_t samples, int64_t epochs,
                                       int64_t seed) {
  TrainerSettings settings;
  TrainOptions& run = settings.train;
  run.global_batch = std::min(batch, samples);
  const int64_t steps_per_epoch = samples / run.global_batch;
  run.steps = steps_per_epoch * epochs;
  run.log_every = steps_per_epoch;
  run.seed = seed;
  run.checkpoint_every = 0;
  run.resume = false;
  run.run_dir = "";
  settings.schedule.total_steps = run.steps;
  return settings;
}

namespace {

// One call of Trainer::fit: the run's state and the jobs of the loop, each in its own method.
class TrainingRun {
 public:
  TrainingRun(const TrainerSettings& settings, const TrainingSetup& setup, Task& task);
  TrainResult run();

 private:
  bool keeps_files() const { return !o_.run_dir.empty(); }
  int64_t checked_micro_batch() const;
  void open_run_dir();
  void restore_or_import();
  void restore(const std::string& checkpoint);
  void import_initial_weights();
  void check_ranks_agree_on_step();
  StreamSpec stream_spec() const;
  bool stop_requested_on_any_rank();
  void train_step(BatchStream& stream);
  void log_window();
  void evaluate();
  void save_checkpoint();

  const TrainerSettings& settings_;
  const TrainOptions& o_;
  const TrainingSetup& setup_;
  dist::ProcessGroup& group_;
  const int rank_;
  const int world_;
  Task& task_;
  torch::nn::Module& model_;
  const int64_t samples_per_epoch_;  // read once: the task's epoch does not change
  const Precision precision_;
  const int64_t micro_batch_;
  const StepScheduler scheduler_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  LrSchedule schedule_;
  std::unique_ptr<Updater> updater_;
  log::MetricLogger metrics_;
  std::unique_ptr<MetricWindow> window_;
  CheckpointState progress_;  // step, data position, samples consumed, skipped steps
  TrainResult result_;
  int64_t consecutive_bad_ = 0;
  int64_t last_checkpoint_step_ = -1;
  int64_t last_eval_step_ = -1;
  double lr_ = 0.0;
  double grad_norm_ = 0.0;
};

std::vector<std::pair<std::string, at::Tensor>> named_parameters_of(torch::nn::Module& model) {
  std::vector<std::pair<std::string, at::Tensor>> named;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    named.emplace_back(item.key(), item.value());
  }
  return named;
}

TrainingRun::TrainingRun(const TrainerSettings& settings, const TrainingSetup& setup, Task& task)
    : settings_(settings),
      o_(settings.train),
      setup_(setup),
      group_(*setup.group),
      rank_(group_.rank()),
      world_(group_.size()),
      task_(task),
      model_(task.model()),
      samples_per_epoch_(task.samples_per_epoch()),
      precision_(resolve_precision(o_.precision, setup.device)),
      micro_batch_(checked_micro_batch()),
      scheduler_(o_),
      schedule_(settings.optimizer.lr, settings.schedule) {
  fail_if(!keeps_files() && o_.checkpoint_every > 0,
          "a run without a run directory cannot write checkpoints (checkpoint every {} steps)",
          o_.checkpoint_every);
}

// The micro-batch of the layout; a usage error (before any work) when the layout cannot be.
int64_t TrainingRun::checked_micro_batch() const {
  if (o_.global_batch % (world_ * o_.accumulation) != 0) {
    throw usage_error(
        "train.global_batch={} must be divisible by world size ({}) x train.accumulation ({})",
        o_.global_batch, world_, o_.accumulation);
  }
  if (o_.global_batch > samples_per_epoch_) {
    throw usage_error("train.global_batch={} is larger than an epoch ({} samples)", o_.global_batch,
                      samples_per_epoch_);
  }
  return o_.global_batch / (world_ * o_.accumulation);
}

TrainResult TrainingRun::run() {
  const c10::Device device = setup_.device;
  model_.to(device);
  task_.moved_to(device);
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(o_.cudnn_benchmark);
  model_.train();
  open_run_dir();
  optimizer_ = make_optimizer(settings_.optimizer, named_parameters_of(model_));
  restore_or_import();
  dist::broadcast_module(group_, model_);
  result_.start_step = progress_.step;

  UpdateOptions update;
  update.accumulation = o_.accumulation;
  update.clip_norm = o_.clip_norm;
  update.bucket_bytes = static_cast<size_t>(o_.bucket_mb) << 20;
  update.precision = precision_;
  update.device = device;
  updater_ = std::make_unique<Updater>(task_, *optimizer_, setup_.group, update);
  window_ = std::make_unique<MetricWindow>(progress_.step, o_.steps);
  std::unique_ptr<BatchStream> stream = task_.open_train_stream(stream_spec());
  spdlog::info(
      "training {} steps from step {}: global batch {} = {} ranks x {} micro-steps x {}, "
      "{} on {}",
      o_.steps, progress_.step, o_.global_batch, world_, o_.accumulation, micro_batch_,
      precision_name(precision_), device.str());

  while (!scheduler_.done(progress_.step)) {
    if (stop_requested_on_any_rank()) break;
    train_step(*stream);
    if (scheduler_.log_due(progress_.step)) log_window();
    if (scheduler_.eval_due(progress_.step)) evaluate();
    if (keeps_files() && scheduler_.checkpoint_due(progress_.step)) save_checkpoint();
  }
  if (!result_.stopped_by_signal && last_eval_step_ != progress_.step) evaluate();
  if (keeps_files() && last_checkpoint_step_ != progress_.step) save_checkpoint();
  metrics_.flush();
  result_.final_step = progress_.step;
  result_.skipped_steps = progress_.skipped_steps;
  result_.train = window_->last_means();
  spdlog::info("{} at step {}/{}: {} samples, {} skipped steps, checkpoint {}",
               result_.stopped_by_signal ? "stopped" : "finished", progress_.step, o_.steps,
               progress_.samples_consumed, progress_.skipped_steps,
               result_.last_checkpoint.empty() ? "none" : result_.last_checkpoint);
  return result_;
}

void TrainingRun::open_run_dir() {
  if (!keeps_files()) {
    if (rank_ == 0) metrics_.add_sink(std::make_unique<log::ConsoleSink>(o_.steps));
    return;
  }
  RunDir run = prepare_run_dir(o_.run_dir, rank_, settings_.config_yaml, /*start_over=*/!o_.resume);
  if (run.removed_checkpoints > 0) {
    spdlog::warn("checkpoint.resume=false: deleted {} checkpoints of {} to start over",
                 run.removed_checkpoints, o_.run_dir);
  }
  group_.barrier();  // nobody looks for checkpoints while rank 0 cleans up temporaries
  metrics_ = log::MetricLogger::for_run(o_.run_dir, rank_, o_.steps);
}

void TrainingRun::restore_or_import() {
  std::optional<std::string> resume_dir;
  if (keeps_files() && o_.resume) resume_dir = find_resume(o_.run_dir);
  if (resume_dir) {
    restore(*resume_dir);
  } else if (!o_.init_from.empty()) {
    import_initial_weights();
  }
  check_ranks_agree_on_step();
}

void TrainingRun::restore(const std::string& checkpoint) {
  const CheckpointState state = read_checkpoint_state(checkpoint);
  io::load_module_state_dict(model_, read_checkpoint_model(checkpoint), /*strict=*/true);
  load_checkpoint_optimizer(checkpoint, *optimizer_);
  progress_.step = state.step;
  progress_.position = state.position;
  progress_.samples_consumed = state.samples_consumed;
  progress_.skipped_steps = state.skipped_steps;
  last_checkpoint_step_ = state.step;
  result_.last_checkpoint = checkpoint;
  if (state.seed != o_.seed) {
    spdlog::warn("{} was written with train.seed={}, this run has train.seed={}", checkpoint,
                 state.seed, o_.seed);
  }
  spdlog::info("resuming from {} (step {}, epoch {}, sample {} of the epoch)", checkpoint,
               state.step, state.position.epoch, state.position.samples_in_epoch);
}

// Every rank reads the file (so every rank sees the same error); rank 0's copy is then
// broadcast like any initialisation.
void TrainingRun::import_initial_weights() {
  const ImportSummary imported =
      import_weights(model_, task_.adapt_imported_weights(read_weight_file(o_.init_from)),
                     o_.init_exclude, o_.init_from);
  spdlog::info("init.from {}: {} tensors loaded, {} kept at their initial values{}", o_.init_from,
               imported.loaded, imported.kept_initial.size(),
               imported.ignored.empty()
                   ? std::string()
                   : fmt::format(", {} in the file ignored", imported.ignored.size()));
}

// Every rank must continue from the same checkpoint (a shared run directory); a rank that saw
// another one would silently train a different model.
void TrainingRun::check_ranks_agree_on_step() {
  const double step = static_cast<double>(progress_.step);
  if (dist::all_reduce_scalar_sum(group_, step) != step * world_) {
    throw error(
        "ranks disagree on the checkpoint to resume from in {} (this rank: step {}); run.dir "
        "must be one directory shared by all ranks",
        o_.run_dir, progress_.step);
  }
}

StreamSpec TrainingRun::stream_spec() const {
  StreamSpec spec;
  spec.rank = rank_;
  spec.world_size = world_;
  spec.global_batch = o_.global_batch;
  spec.accumulation = o_.accumulation;
  spec.micro_batch = micro_batch_;
  spec.samples_per_epoch = samples_per_epoch_;
  spec.start = progress_.position;
  spec.device = setup_.device;
  return spec;
}

bool TrainingRun::stop_requested_on_any_rank() {
  if (!dist::any_rank(group_, stop_requested())) return false;
  spdlog::warn("stop requested (signal {}): checkpointing at step {} and exiting", stop_signal(),
               progress_.step);
  result_.stopped_by_signal = true;
  return true;
}

void TrainingRun::train_step(BatchStream& stream) {
  lr_ = schedule_.lr_at(progress_.step);
  set_learning_rate(*optimizer_, lr_);
  // Randomness drawn from LibTorch's generators inside the model (dropout) is keyed by
  // (seed, step, rank), like the data's counter RNG: a resumed run draws the same masks as
  // the uninterrupted one, with no generator state in the checkpoint.
  torch::manual_seed(step_seed(static_cast<uint64_t>(o_.seed), progress_.step, rank_));
  const UpdateResult update = updater_->update(stream);
  grad_norm_ = update.grad_norm;
  if (update.skipped) {
    ++progress_.skipped_steps;
    ++consecutive_bad_;
    spdlog::warn("step {}: non-finite loss or gradient, step skipped ({} in a row, {} in all)",
                 progress_.step, consecutive_bad_, progress_.skipped_steps);
    if (consecutive_bad_ > o_.max_bad_steps) {
      metrics_.flush();
      throw error(
          "non-finite loss or gradient in {} consecutive steps (last at step {}, "
          "train.max_bad_steps={}): lower the learning rate, enable train.clip_norm or check the "
          "data",
          consecutive_bad_, progress_.step, o_.max_bad_steps);
    }
  } else {
    consecutive_bad_ = 0;
  }
  window_->add_step(update.skipped ? std::map<std::string, dist::SumCount>{} : update.metrics,
                    o_.global_batch);
  progress_.position = advance(progress_.position, o_.global_batch, samples_per_epoch_);
  progress_.samples_consumed += o_.global_batch;
  ++progress_.step;
}

void TrainingRun::log_window() {
  metrics_.write(progress_.step, window_->close(group_, progress_, lr_, grad_norm_));
}

void TrainingRun::evaluate() {
  last_eval_step_ = progress_.step;
  model_.eval();
  std::map<std::string, dist::SumCount> local;
  {
    at::NoGradGuard no_grad;
    AutocastScope autocast(precision_, setup_.device);
    local = task_.evaluate(EvalContext{rank_, world_, progress_.step, setup_.device});
  }
  model_.train();
  const std::map<std::string, dist::SumCount> global = dist::reduce_sums(group_, local);
  if (global.empty()) return;
  log::Scalars scalars;
  result_.eval.clear();
  for (const auto& [key, value] : global) {
    scalars.emplace_back("eval/" + key, value.mean());
    result_.eval[key] = value.mean();
  }
  metrics_.write(progress_.step, scalars);
}

void TrainingRun::save_checkpoint() {
  CheckpointState state = progress_;
  state.seed = o_.seed;
  state.world_size = world_;
  state.config_yaml = settings_.config_yaml;
  // Rank 0 writes; the others wait for its verdict so a failed write stops every rank
  // instead of leaving them blocked in the next collective.
  std::string failure;
  if (rank_ == 0) {
    try {
      metrics_.flush();
      result_.last_checkpoint = write_checkpoint(o_.run_dir, io::module_state_dict(model_),
                                                 *optimizer_, state, o_.checkpoint_keep);
      spdlog::info("checkpoint {}", result_.last_checkpoint);
    } catch (const Error& e) {
      failure = e.what();
    }
  }
  if (dist::any_rank(group_, !failure.empty())) {
    throw error(rank_ == 0 ? failure
                           : fmt::format("rank 0 failed to write the checkpoint of step {}",
                                         progress_.step));
  }
  if (rank_ != 0) result_.last_checkpoint = checkpoint_path(o_.run_dir, progress_.step);
  last_checkpoint_step_ = progress_.step;
}

}  // namespace

Trainer::Trainer(const config::Config& config, TrainingSetup setup)
    : Trainer(trainer_settings(config), std::move(setup)) {}

Trainer::Trainer(TrainerSettings settings, TrainingSetup setup)
    : settings_(std::move(settings)), setup_(std::move(setup)) {
  fail_if(!setup_.group, "Trainer needs a process group (see setup_training)");
}

TrainResult Trainer::fit(Task& task) { return TrainingRun(settings_, setup_, task).run(); }

}  // namespace ptk::train
