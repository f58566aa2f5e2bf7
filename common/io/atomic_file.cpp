#include "common/io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "common/base/error.h"

namespace ptk::io {
namespace {

// A write past RLIMIT_FSIZE raises SIGXFSZ, whose default action kills the process (with a
// core dump) before write() can return. A training job that hits a quota or a file size limit
// while checkpointing must instead see EFBIG, report it and keep the previous checkpoint, so
// the first atomic write ignores SIGXFSZ. A handler the application installed is left alone.
void ignore_file_size_signal() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current;
    if (sigaction(SIGXFSZ, nullptr, &current) == 0 && current.sa_handler == SIG_DFL &&
        !(current.sa_flags & SA_SIGINFO)) {
      struct sigaction ignore;
      std::memset(&ignore, 0, sizeof(ignore));
      ignore.sa_handler = SIG_IGN;
      sigemptyset(&ignore.sa_mask);
      sigaction(SIGXFSZ, &ignore, nullptr);
    }
  });
}

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string system_error(int err) { return std::strerror(err); }

}  // namespace

AtomicFile::AtomicFile(const std::string& path) : path_(path) {
  ignore_file_size_signal();
  if (path.empty() || path.back() == '/') {
    throw error("cannot write file '{}': not a file path", path);
  }
  // Same directory as the target, so the final rename never crosses a filesystem.
  std::string pattern = directory_of(path) + "/." + base_name_of(path) + ".tmp.XXXXXX";
  fd_ = ::mkstemp(pattern.data());
  if (fd_ < 0) {
    const int err = errno;
    throw error("cannot write file '{}': cannot create a temporary file in '{}': {}", path,
                directory_of(path), system_error(err));
  }
  temp_path_ = pattern;
  if (::fchmod(fd_, 0644) != 0) fail("cannot set permissions of the temporary file", errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicFile::fail(const std::string& what, int err) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
  throw error("cannot write file '{}': {}: {} (the previous file, if any, is unchanged)", path_,
              what, system_error(err));
}

void AtomicFile::write(const void* data, std::size_t size) {
  if (fd_ < 0 || committed_) {
    throw error("cannot write file '{}': the atomic writer is closed", path_);
  }
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    // Linux caps a single write at ~2 GiB; chunking keeps large tensors portable.
    const std::size_t chunk = size < (std::size_t{1} << 30) ? size : (std::size_t{1} << 30);
    const ssize_t n = ::write(fd_, p, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed", errno);
    }
    if (n == 0) fail("write made no progress", EIO);
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  if (fd_ < 0 || committed_) {
    throw error("cannot write file '{}': the atomic writer is closed", path_);
  }
  if (::fsync(fd_) != 0) fail("fsync failed", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
    throw error(
        "cannot write file '{}': close failed: {} (the previous file, if any, is unchanged)", path_,
        system_error(err));
  }
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
    throw error(
        "cannot write file '{}': rename failed: {} (the previous file, if any, is unchanged)",
        path_, system_error(err));
  }
  committed_ = true;
  fsync_directory(directory_of(path_));
}

void write_file_atomic(const std::string& path, const void* data, std::size_t size) {
  AtomicFile file(path);
  file.write(data, size);
  file.commit();
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  write_file_atomic(path, bytes.data(), bytes.size());
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw error("cannot read file '{}': {}", path, system_error(err));
  }
  std::string bytes;
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) bytes.reserve(st.st_size);
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw error("cannot read file '{}': {}", path, system_error(err));
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return bytes;
}

void fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw error("cannot open directory '{}' to fsync it: {}", dir, system_error(err));
  }
  // Some filesystems cannot fsync a directory (EINVAL); their renames are as durable as they
  // get, so that is not an error.
  if (::fsync(fd) != 0 && errno != EINVAL) {
    const int err = errno;
    ::close(fd);
    throw error("cannot fsync directory '{}': {}", dir, system_error(err));
  }
  ::close(fd);
}

void replace_directory(const std::string& from, const std::string& target,
                       const std::string& aside) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::remove_all(aside, ec);
  const bool had_target = fs::exists(target, ec);
  if (had_target) {
    fs::rename(target, aside, ec);
    if (ec) throw error("cannot move the old '{}' aside: {}", target, ec.message());
  }
  fs::rename(from, target, ec);
  if (ec) {
    std::error_code ignored;
    if (had_target) fs::rename(aside, target, ignored);
    throw error("cannot move '{}' to '{}': {}", from, target, ec.message());
  }
  if (had_target) fs::remove_all(aside, ec);
  fs::path absolute = fs::absolute(target);
  if (!absolute.has_filename()) absolute = absolute.parent_path();
  fsync_directory(absolute.parent_path().string());
}

}  // namespace ptk::io
