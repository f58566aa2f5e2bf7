// A directory rebuilt as a whole: the new contents are written into a staging folder beside it
// and swapped in by commit(), so until then the previous contents stay whole and usable (a
// full disk or a crash halfway through a rebuild loses nothing). Without commit() the staging
// folder is removed. Not thread-safe; one builder per target.
#pragma once

#include <string>

namespace ptk::io {

class StagedDirectory {
 public:
  // Creates `<target>.staging-<pid>` next to `target` (same file system, so the swap is a
  // rename). Throws ptk::Error naming the folder when it cannot be created.
  explicit StagedDirectory(std::string target);
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;

  // Where to write the new contents.
  const std::string& path() const { return staging_; }

  // Replaces `target` with the staged contents: the old directory is renamed aside, the staged
  // one renamed into place, the old one deleted, and the parent directory synced.
  void commit();

 private:
  std::string target_;
  std::string staging_;
  bool committed_ = false;
};

}  // namespace ptk::io
