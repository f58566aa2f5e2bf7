// Whole-file reads and crash-safe whole-file writes. write_file_atomic either replaces the
// target with the complete new bytes or leaves the old file untouched: a reader (or a process
// restarted after a crash) sees the old content or the new content, never a mix or a prefix.
#pragma once

#include <cstddef>
#include <string>

namespace ptk::io {

// Writes `bytes` to a temporary file in the directory of `path`, fsyncs it, renames it over
// `path` and fsyncs the directory. On any failure (ENOSPC, EFBIG from RLIMIT_FSIZE, EIO, ...)
// the temporary is removed, the old file stays as it was, and a ptk::Error names the path
// and the system error. The new file gets mode 0644.
// Side effect: the first atomic write sets SIGXFSZ to ignored (when it still has its default
// action), so that exceeding RLIMIT_FSIZE fails the write with EFBIG instead of killing the
// process; a handler installed by the application is left in place.
void write_file_atomic(const std::string& path, const std::string& bytes);
void write_file_atomic(const std::string& path, const void* data, std::size_t size);

// The streaming form of write_file_atomic, for files too large to assemble in memory:
// write() appends to the temporary, commit() publishes it. Destroying an AtomicFile that was
// not committed removes the temporary and leaves `path` untouched. Not thread-safe.
class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t size);
  void commit();  // fsync, rename over `path`, fsync the directory
  const std::string& path() const { return path_; }

 private:
  void fail(const std::string& what, int err);  // removes the temporary, throws

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Reads a whole file. Throws ptk::Error naming the path when it is missing or unreadable.
std::string read_file(const std::string& path);

// fsyncs a directory so that a rename or create inside it survives a power loss.
// Throws ptk::Error naming the directory on failure.
void fsync_directory(const std::string& dir);

// Puts the finished folder `from` in the place of `target` with renames: an existing target is
// moved aside to `aside` first (and moved back if the second rename fails), then removed; the
// parent folder is synced. Throws ptk::Error naming the folders on failure.
void replace_directory(const std::string& from, const std::string& target,
                       const std::string& aside);

}  // namespace ptk::io
