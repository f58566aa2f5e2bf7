#include "common/io/atomic_file.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "common/base/error.h"
#include "tests/common/io/test_dir.h"

namespace ptk::io {
namespace {

using testing::TestDir;

int count_entries(const std::string& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(AtomicFile, WriteThenReadReturnsSameBytes) {
  TestDir dir;
  std::string bytes = "header";
  bytes.push_back('\0');
  bytes += std::string(100000, 'x');
  write_file_atomic(dir.file("a.bin"), bytes);
  EXPECT_EQ(read_file(dir.file("a.bin")), bytes);
  write_file_atomic(dir.file("empty"), std::string());
  EXPECT_EQ(read_file(dir.file("empty")), "");
}

TEST(AtomicFile, ReplacesExistingFileAndLeavesNoTemporary) {
  TestDir dir;
  write_file_atomic(dir.file("state.yaml"), "step: 1\n");
  write_file_atomic(dir.file("state.yaml"), "step: 2\n");
  EXPECT_EQ(read_file(dir.file("state.yaml")), "step: 2\n");
  EXPECT_EQ(count_entries(dir.path()), 1);
}

TEST(AtomicFile, StreamingWriterPublishesOnlyOnCommit) {
  TestDir dir;
  write_file_atomic(dir.file("f"), "old");
  {
    AtomicFile file(dir.file("f"));
    file.write("new ", 4);
    file.write("content", 7);
    EXPECT_EQ(read_file(dir.file("f")), "old");
    // Destroyed without commit: an abandoned write.
  }
  EXPECT_EQ(read_file(dir.file("f")), "old");
  EXPECT_EQ(count_entries(dir.path()), 1);
  AtomicFile file(dir.file("f"));
  file.write("new", 3);
  file.commit();
  EXPECT_EQ(read_file(dir.file("f")), "new");
  EXPECT_THROW(file.write("x", 1), Error);
}

TEST(AtomicFile, ReadingMissingFileNamesIt) {
  TestDir dir;
  try {
    read_file(dir.file("nope.txt"));
    FAIL() << "expected ptk::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nope.txt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, WritingIntoMissingDirectoryNamesPath) {
  TestDir dir;
  try {
    write_file_atomic(dir.file("missing/dir/out.bin"), "x");
    FAIL() << "expected ptk::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing/dir/out.bin"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, FsyncDirectoryRejectsMissingDirectory) {
  TestDir dir;
  EXPECT_NO_THROW(fsync_directory(dir.path()));
  EXPECT_THROW(fsync_directory(dir.file("absent")), Error);
}

// A child process limited by RLIMIT_FSIZE (what a quota or `ulimit -f` does) tries to replace a
// small file with a big one. It must survive (no SIGXFSZ death), report an error naming the
// file, and leave the old content and no temporary behind.
TEST(AtomicFile, FileSizeLimitKeepsOldContentAndReportsError) {
  TestDir dir;
  const std::string path = dir.file("model.pt");
  write_file_atomic(path, "previous checkpoint");

  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    struct rlimit limit = {64 * 1024, 64 * 1024};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::string message = "no error";
    int code = 1;
    try {
      write_file_atomic(path, std::string(1 << 20, 'z'));
    } catch (const Error& e) {
      message = e.what();
      code = 0;
    }
    if (::write(pipe_fds[1], message.data(), message.size()) < 0) code = 2;
    ::close(pipe_fds[1]);
    ::_exit(code);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof(buffer))) > 0) message.append(buffer, n);
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_EQ(read_file(path), "previous checkpoint");
  EXPECT_EQ(count_entries(dir.path()), 1);
}

}  // namespace
}  // namespace ptk::io
