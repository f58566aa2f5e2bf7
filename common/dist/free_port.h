// A TCP port on the loopback interface that nothing is bound to right now, for a rendezvous
// that the caller starts on this machine (the multi-process tests and benchmarks hand it to
// torchrun as --master_port). Header-only and torch-free.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/base/error.h"

namespace ptk::dist {

inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // the kernel picks one
  socklen_t length = sizeof(address);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw error("cannot find a free TCP port on the loopback interface");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace ptk::dist
