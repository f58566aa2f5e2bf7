// Where this process sits in a distributed job: rank, world size, local rank and rendezvous
// address, resolved from explicit flags or from what a launcher (torchrun, Slurm, Open MPI,
// MPICH) put in the environment. Pure function of its inputs; no LibTorch, no sockets.
#pragma once

#include <functional>
#include <string>

namespace ptk::dist {

// Explicit flags / config keys; -1 or "" means "not given".
struct LaunchFlags {
  int rank = -1;
  int world_size = -1;
  int local_rank = -1;
  std::string master_addr;
  int master_port = -1;
};

struct LaunchEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  int restart_count = 0;         // TORCHELASTIC_RESTART_COUNT
  bool use_agent_store = false;  // TORCHELASTIC_USE_AGENT_STORE=True
  std::string source;            // "flags", "torchrun", "slurm", "openmpi", "mpich", "single"
  bool distributed() const { return world_size > 1; }
};

// Reads one environment variable; nullptr when unset. Tests pass a map-backed one.
using GetEnv = std::function<const char*(const char*)>;

// The process environment (::getenv).
GetEnv default_getenv();

// Resolution order: explicit flags, torchrun (RANK/WORLD_SIZE...), Slurm (SLURM_PROCID...),
// Open MPI (OMPI_COMM_WORLD_*), MPICH/Hydra (PMI_RANK/PMI_SIZE), else a single process.
// Flags override individual fields of whatever the environment says. MASTER_ADDR/MASTER_PORT
// are read from the environment for every launcher (Slurm and MPI jobs set them in the batch
// script). Inconsistent values (rank >= world size, non-numeric, port out of range) throw
// ptk::Error naming the variable or flag.
LaunchEnv resolve_launch_env(const LaunchFlags& flags, const GetEnv& getenv = default_getenv());

// Worker threads for each of the `local_world_size` ranks on this machine when the user gave
// none: the machine's cores shared out evenly, at least one.
int threads_per_local_rank(int local_world_size);

// One line for logs: "rank 1/4 (local 1/2) via torchrun, store 10.0.0.1:29500 ...".
std::string describe(const LaunchEnv& env);

}  // namespace ptk::dist
