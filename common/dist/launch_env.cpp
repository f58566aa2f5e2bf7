#include "common/dist/launch_env.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "common/base/error.h"

namespace ptk::dist {

int threads_per_local_rank(int local_world_size) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, local_world_size));
}
namespace {

// Where a value came from, for error messages: an environment variable or a flag.
struct Source {
  std::string name;
  bool is_flag = false;
};

Error bad_value(const Source& source, const std::string& value, const std::string& what) {
  std::string where =
      source.is_flag ? "launch flag '" + source.name + "'" : "environment variable " + source.name;
  std::string message = where + "='" + value + "': " + what;
  return source.is_flag ? usage_error(message) : error(message);
}

int parse_int(const Source& source, const char* text) {
  std::string value(text);
  errno = 0;
  char* end = nullptr;
  long parsed = std::strtol(text, &end, 10);
  bool ok = !value.empty() && end != text && *end == '\0' && errno == 0 && parsed >= INT_MIN &&
            parsed <= INT_MAX;
  // strtol accepts leading blanks; a launcher never writes them, so they mean a typo.
  if (ok && (value[0] == ' ' || value[0] == '\t')) ok = false;
  if (!ok) throw bad_value(source, value, "expected an integer");
  return static_cast<int>(parsed);
}

class Reader {
 public:
  explicit Reader(const GetEnv& getenv) : getenv_(getenv) {}

  bool has(const char* name) const {
    const char* value = getenv_(name);
    return value != nullptr && value[0] != '\0';
  }
  const char* get(const char* name) const { return has(name) ? getenv_(name) : nullptr; }
  // Reads an integer variable into `out` when it is set; returns whether it was.
  bool read_int(const char* name, int& out) const {
    const char* value = get(name);
    if (value == nullptr) return false;
    out = parse_int(Source{name, false}, value);
    return true;
  }

 private:
  const GetEnv& getenv_;
};

// The launcher's names for rank / size / local rank / local size.
struct LauncherVars {
  const char* source;
  const char* rank;
  const char* size;
  const char* local_rank;
  const char* local_size;
};

constexpr LauncherVars kLaunchers[] = {
    {"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"},
    {"slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", nullptr},
    {"openmpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
     "OMPI_COMM_WORLD_LOCAL_SIZE"},
    {"mpich", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"},
};

// Slurm writes tasks per node as "2(x3),1" (2 tasks on each of 3 nodes, then 1): the first
// count is this node's when the job is homogeneous, which is all local_world_size is used for.
int slurm_tasks_per_node(const Reader& env) {
  const char* value = env.get("SLURM_NTASKS_PER_NODE");
  if (value == nullptr) value = env.get("SLURM_TASKS_PER_NODE");
  if (value == nullptr) return -1;
  int count = 0;
  const char* p = value;
  for (; *p >= '0' && *p <= '9'; ++p) count = count * 10 + (*p - '0');
  return p == value ? -1 : count;
}

bool parse_bool(const Source& source, const char* text) {
  std::string value(text);
  if (value == "True" || value == "true" || value == "TRUE" || value == "1") return true;
  if (value == "False" || value == "false" || value == "FALSE" || value == "0") return false;
  throw bad_value(source, value, "expected True or False");
}

// Names of the variables (or flags) each field came from, so errors point at the right one.
struct FieldSources {
  Source rank{"RANK", false};
  Source size{"WORLD_SIZE", false};
  Source local_rank{"LOCAL_RANK", false};
  Source local_size{"LOCAL_WORLD_SIZE", false};
};

// Fills rank, sizes and source from `launcher`'s variables, which are known to be set.
void read_launcher(const LauncherVars& launcher, const Reader& env, LaunchEnv& out,
                   FieldSources& src) {
  out.source = launcher.source;
  env.read_int(launcher.rank, out.rank);
  env.read_int(launcher.size, out.world_size);
  src.rank = {launcher.rank, false};
  src.size = {launcher.size, false};
  out.local_rank = out.rank;
  out.local_world_size = out.world_size;
  bool have_local_rank = env.read_int(launcher.local_rank, out.local_rank);
  if (have_local_rank) src.local_rank = {launcher.local_rank, false};
  bool have_local_size = false;
  if (launcher.local_size != nullptr) {
    have_local_size = env.read_int(launcher.local_size, out.local_world_size);
    if (have_local_size) src.local_size = {launcher.local_size, false};
  } else {
    int per_node = slurm_tasks_per_node(env);
    have_local_size = per_node > 0;
    if (have_local_size) {
      out.local_world_size = per_node;
      src.local_size = {"SLURM_NTASKS_PER_NODE", false};
    }
  }
  // Without a local rank the process is assumed alone on its node with its peers, which
  // only matters for GPU selection; without a local size, trust the local rank.
  if (have_local_rank && !have_local_size) out.local_world_size = out.local_rank + 1;
  if (!have_local_rank && have_local_size) out.local_rank = out.rank % out.local_world_size;
}

// The first launcher in kLaunchers whose rank and size are both set wins; returns whether one
// was found.
bool read_first_launcher(const Reader& env, LaunchEnv& out, FieldSources& src) {
  for (const LauncherVars& launcher : kLaunchers) {
    if (!env.has(launcher.rank) || !env.has(launcher.size)) continue;
    read_launcher(launcher, env, out, src);
    return true;
  }
  return false;
}

void check_port(int port, const Source& source, const std::string& value) {
  if (port < 1 || port > 65535) throw bad_value(source, value, "port must be in 1..65535");
}

// MASTER_ADDR/MASTER_PORT for every launcher, and torchrun's restart count and agent store.
void read_rendezvous(const Reader& env, LaunchEnv& out) {
  if (const char* addr = env.get("MASTER_ADDR")) out.master_addr = addr;
  if (env.read_int("MASTER_PORT", out.master_port)) {
    check_port(out.master_port, {"MASTER_PORT", false}, env.get("MASTER_PORT"));
  }
  if (out.source == "torchrun") {
    env.read_int("TORCHELASTIC_RESTART_COUNT", out.restart_count);
    if (out.restart_count < 0) {
      throw bad_value({"TORCHELASTIC_RESTART_COUNT", false}, env.get("TORCHELASTIC_RESTART_COUNT"),
                      "must be >= 0");
    }
    if (const char* agent = env.get("TORCHELASTIC_USE_AGENT_STORE")) {
      out.use_agent_store = parse_bool({"TORCHELASTIC_USE_AGENT_STORE", false}, agent);
    }
  }
}

// Explicit flags override whatever the environment said, field by field.
void apply_flags(const LaunchFlags& flags, bool launcher_found, LaunchEnv& out, FieldSources& src) {
  if (flags.rank >= 0 || flags.world_size >= 0) out.source = "flags";
  if (flags.world_size >= 0) {
    out.world_size = flags.world_size;
    src.size = {"world_size", true};
  }
  if (flags.rank >= 0) {
    out.rank = flags.rank;
    src.rank = {"rank", true};
  }
  if (flags.local_rank >= 0) {
    out.local_rank = flags.local_rank;
    src.local_rank = {"local_rank", true};
    if (out.local_world_size <= out.local_rank) out.local_world_size = out.local_rank + 1;
  } else if (!launcher_found && flags.rank >= 0) {
    // Flags alone, no launcher: all ranks on one machine unless told otherwise.
    out.local_rank = out.rank;
    out.local_world_size = std::max(out.world_size, 1);
  }
  if (!flags.master_addr.empty()) out.master_addr = flags.master_addr;
  if (flags.master_port >= 0) {
    out.master_port = flags.master_port;
    check_port(out.master_port, {"master_port", true}, std::to_string(flags.master_port));
  }
}

// Sizes >= 1, ranks inside them and a rendezvous host for a distributed job; an error names
// the variable or flag the bad value came from.
void check_consistent(const LaunchEnv& out, const FieldSources& src) {
  if (out.world_size < 1) {
    throw bad_value(src.size, std::to_string(out.world_size), "world size must be >= 1");
  }
  if (out.rank < 0 || out.rank >= out.world_size) {
    throw bad_value(src.rank, std::to_string(out.rank),
                    fmt::format("rank must be in 0..{} (world size {} from {})", out.world_size - 1,
                                out.world_size, src.size.name));
  }
  if (out.local_world_size < 1) {
    throw bad_value(src.local_size, std::to_string(out.local_world_size),
                    "local world size must be >= 1");
  }
  if (out.local_rank < 0 || out.local_rank >= out.local_world_size) {
    throw bad_value(src.local_rank, std::to_string(out.local_rank),
                    fmt::format("local rank must be in 0..{} (local world size from {})",
                                out.local_world_size - 1, src.local_size.name));
  }
  fail_if(out.distributed() && out.master_addr.empty(),
          "MASTER_ADDR is empty: a distributed job needs the rendezvous host");
}

}  // namespace

GetEnv default_getenv() {
  return [](const char* name) -> const char* { return std::getenv(name); };
}

LaunchEnv resolve_launch_env(const LaunchFlags& flags, const GetEnv& getenv) {
  Reader env(getenv);
  LaunchEnv out;
  out.source = "single";
  FieldSources src;
  const bool launcher_found = read_first_launcher(env, out, src);
  read_rendezvous(env, out);
  apply_flags(flags, launcher_found, out, src);
  check_consistent(out, src);
  return out;
}

std::string describe(const LaunchEnv& env) {
  std::ostringstream s;
  s << "rank " << env.rank << "/" << env.world_size << " (local " << env.local_rank << "/"
    << env.local_world_size << ") via " << env.source;
  if (env.distributed()) {
    s << ", store " << env.master_addr << ":" << env.master_port
      << (env.use_agent_store ? " (torchrun agent)" : (env.rank == 0 ? " (hosted here)" : ""));
    if (env.restart_count > 0) s << ", restart " << env.restart_count;
  }
  return s.str();
}

}  // namespace ptk::dist
