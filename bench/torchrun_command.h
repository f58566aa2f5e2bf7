// The torchrun command line the multi-rank benchmarks start their ranks with: Debian's torchrun
// 1.13 on a free local port. The agent looks at its workers every --monitor_interval seconds
// (default 5, which rounds every run up to the next 5 s); 0.1 s leaves a fixed start-up cost that
// the benchmarks measure with a /bin/true probe.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace ptk::bench {

// A TCP port on the loopback interface that is free right now.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free TCP port for torchrun");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

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
                                            std::to_string(free_port())};
  launcher.insert(launcher.end(), options.begin(), options.end());
  launcher.insert(launcher.end(), command.begin(), command.end());
  return launcher;
}

}  // namespace ptk::bench
