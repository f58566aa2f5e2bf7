// Demo GLUE tasks built from WordNet 3.0 noun glosses (wordnet-base), written in the exact
// layouts of GLUE's SST-2 and MRPC so the GLUE reader, fine-tuning and submission code run on
// them unchanged. Same options, same bytes; labels are balanced in every split; no sentence
// appears in more than one split, so dev and test measure generalisation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::demo {

constexpr char kDefaultDemoGlueWordNetDir[] = "/usr/share/wordnet";

struct DemoGlueOptions {
  std::string wordnet_dir = kDefaultDemoGlueWordNetDir;
  int64_t train_rows = 4000;  // per task; half of them positive
  int64_t dev_rows = 500;
  int64_t test_rows = 500;
  uint64_t seed = 1;
};

struct DemoGlueFile {
  std::string path;
  int64_t rows = 0;
  int64_t positives = 0;  // rows whose label is 1 (test files do not write the label)
};

struct DemoGlueStats {
  std::vector<DemoGlueFile> files;  // SST-2 train, dev, test, then MRPC train, dev, test
  int64_t definitions = 0;          // distinct noun definitions WordNet offered
};

// Writes into `out_dir` (created):
//   SST-2/{train,dev,test}.tsv  "sentence\tlabel" / "index\tsentence": is this the definition
//     of a living thing (1: a kind of organism) or of an artifact (0)?
//   MRPC/{train,dev,test}.tsv   "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String" (test: "index"
//     first, no Quality): is #2 the definition of the direct hypernym of #1's noun (1), or of
//     an unrelated noun (0)? IDs are WordNet 3.0 noun synset offsets (8 digits).
// Sizes too large for WordNet, or not positive, are a ptk::usage_error naming the option; a
// missing or malformed WordNet file is a ptk::Error naming it.
DemoGlueStats write_demo_glue(const DemoGlueOptions& options, const std::string& out_dir);

// The definition part of a WordNet gloss: the text before its first quoted example, with the
// separating "; " and surrounding blanks removed and inner whitespace runs collapsed.
std::string gloss_definition(const std::string& gloss);

}  // namespace ptk::demo
