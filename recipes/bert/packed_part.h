// A packed part of `ptk-bert prepare`, as its done marker records it: the counts of the part's
// CorpusSummary for one sequence length (token id counts included) and the manifest of the
// shards it wrote. The job's last
// stage reads every part's marker, in part order, to write each length's manifest.yaml and the
// summary, without opening a shard. Torch-free.
#pragma once

#include <string>

#include "text/corpus/corpus_builder.h"

namespace ptk::recipes {

// YAML text of the summary's counts and manifest.
std::string packed_part_text(const text::CorpusSummary& part);
// The summary back from packed_part_text(); `where` (the marker) names it in errors.
text::CorpusSummary parse_packed_part(const std::string& text, const std::string& where);

// Adds a part's counts, token id counts and shards to the job's total (invalid UTF-8 examples:
// the first few).
void add_packed_part(const text::CorpusSummary& part, text::CorpusSummary* total);

}  // namespace ptk::recipes
