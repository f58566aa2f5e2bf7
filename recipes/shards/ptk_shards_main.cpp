// ptk-shards: look inside and check any shard set.
//   ptk-shards inspect [SET_DIR] [shards.dir=DIR] [inspect.shard=0] [inspect.record=0]
//   ptk-shards verify  [SET_DIR] [verify.jobs=2]   exit 1 when anything is damaged
//   ptk-shards stats   [SET_DIR] [stats.top=20] [stats.bins=16]
#include <fmt/format.h>

#include <iostream>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/config/command_line.h"
#include "common/config/config.h"
#include "common/config/option_table.h"
#include "common/data/shard_audit.h"

namespace {

struct ShardsOptions {
  std::string dir;  // shards.dir, or the SET_DIR argument
  int64_t inspect_shard = 0;
  int64_t inspect_record = 0;
  int verify_jobs = 2;
  int stats_top = 20;
  int stats_bins = 16;
};

ptk::config::OptionTable<ShardsOptions> options_table() {
  using ptk::config::at_least;
  using O = ShardsOptions;
  ptk::config::OptionTable<O> t;
  t.add("shards.dir", &O::dir,
        "shard set directory (holds manifest.yaml); or give it as an argument")
      .add("inspect.shard", &O::inspect_shard, "inspect: which shard to show", at_least(0))
      .add("inspect.record", &O::inspect_record, "inspect: which record of that shard to show",
           at_least(0))
      .add("verify.jobs", &O::verify_jobs, "verify: shards checked in parallel")
      .add("stats.top", &O::stats_top, "stats: most frequent labels to list (image shards)")
      .add("stats.bins", &O::stats_bins,
           "stats: bins of the sequence length histogram (token shards)");
  return t;
}

int run(int argc, char** argv) {
  const auto command_line =
      ptk::config::parse_command_line(argc, argv, {"inspect", "verify", "stats"});
  const auto table = options_table();
  if (command_line.help || command_line.verb.empty()) {
    std::cout << "usage: ptk-shards inspect|verify|stats [SET_DIR] [--config FILE] "
                 "[key=value ...]\n\n"
              << table.schema().help();
    return command_line.help ? 0 : 2;
  }
  const auto config = ptk::config::resolve_command_line(table.schema(), command_line);
  if (command_line.dump_config) return 0;
  const ShardsOptions options = table.read(config);
  std::string dir = options.dir;
  if (command_line.positionals.size() > 1) {
    throw ptk::usage_error("expected at most one shard set directory, got {}",
                           command_line.positionals.size());
  }
  if (!command_line.positionals.empty()) dir = command_line.positionals[0];
  if (dir.empty()) throw ptk::usage_error("no shard set given: pass SET_DIR or shards.dir=DIR");

  const ptk::data::ShardSet set(dir);
  if (command_line.verb == "inspect") {
    std::cout << ptk::data::inspect_shard_set(set, static_cast<size_t>(options.inspect_shard),
                                              static_cast<uint64_t>(options.inspect_record));
    return 0;
  }
  if (command_line.verb == "stats") {
    std::cout << ptk::data::shard_set_stats(set, options.stats_top, options.stats_bins);
    return 0;
  }
  const auto report = ptk::data::verify_shard_set(set, options.verify_jobs);
  for (const auto& problem : report.problems) std::cout << "DAMAGED " << problem << "\n";
  std::cout << "verified " << report.shards_checked << " shards, " << report.records_checked
            << " records, " << report.bytes_checked << " bytes in " << dir << ": "
            << (report.ok() ? "all checksums match"
                            : fmt::format("{} problems", report.problems.size()))
            << "\n";
  return report.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("ptk-shards", [&] { return run(argc, argv); });
}
