// A directory built by a resumable job (a data preparation that may be killed at any moment):
// the work goes into `<target>.partial`, which outlives a crash, a SIGKILL or a torchrun restart,
// so the same command run again continues from what that folder holds; commit() then swaps it
// in for `target` as StagedDirectory does, and the previous `target` stays whole until then.
// Finished units of work are recorded by markers (small text files written atomically under
// `<target>.partial/done/`): a unit is done exactly when its marker exists. The job's
// fingerprint (the options its output depends on) is kept beside them, so a run with other
// options refuses to mix its output with the old one. Safe for several processes that write
// different markers; not thread safe within one process.
#pragma once

#include <string>

namespace ptk::io {

class ResumableDirectory {
 public:
  // Creates `<target>.partial` (when `create`; otherwise it must exist) holding `fingerprint`,
  // or opens the existing one. An Error when it holds another fingerprint (it names the folder
  // and the first line that differs, and says to remove the folder or use the same options)
  // or cannot be created.
  ResumableDirectory(std::string target, const std::string& fingerprint, bool create);

  const std::string& path() const { return partial_; }
  const std::string& target() const { return target_; }

  bool done(const std::string& marker) const;
  // The marker's text; an Error naming it when it is missing.
  std::string read(const std::string& marker) const;
  // Writes the marker atomically: after a crash it is absent or whole.
  void mark_done(const std::string& marker, const std::string& text) const;

  // Replaces `target` with the finished folder (old target renamed aside, this one renamed in,
  // the old one removed, the parent synced). The markers and the fingerprint are removed first.
  void commit();

 private:
  std::string target_;
  std::string partial_;
};

}  // namespace ptk::io
