// The torchrun command line the multi-rank benchmarks start their ranks with: Debian's torchrun
// 1.13 on a free local port. The agent looks at its workers every --monitor_interval seconds
// (default 5, which rounds every run up to the next 5 s); 0.1 s leaves a fixed start-up cost that
// the benchmarks measure with a /bin/true probe.
#pragma once

#include <string>
#include <vector>

#include "common/dist/free_port.h"

namespace ptk::bench {

// `launcher` (e.g. {"torchrun"} or {python, "-m", "torch.distributed.run"}) running `command`
// on `ranks` local processes.
inline std::vector<std::string> torchrun_command(std::vector<std::string> launcher, int ranks,
                                                 const std::vector<std::string>& command) {
  const std::vector<std::string> options = {"--no_python",
                                            "--nproc_per_node",
                                            std::to_string(ranks),
                                            "--monitor_interval",
                                            "0.1",
                                            "-r",
                                            "1",
                                            "-t",
                                            "1",
                                            "--master_port",
                                            std::to_string(dist::free_port())};
  launcher.insert(launcher.end(), options.begin(), options.end());
  launcher.insert(launcher.end(), command.begin(), command.end());
  return launcher;
}

}  // namespace ptk::bench
