// Exported weights in the Python ecosystem: a ResNeXt-50 32x4d export (.pth and safetensors,
// with and without the hashtag head) gives torchvision's model the toolkit's outputs (max abs
// difference < 1e-4), and an exported BERT folder gives HF transformers' BertForPreTraining /
// BertForMaskedLM / BertModel the toolkit's (tests/python/hf_parity.py; SKIP without
// transformers).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/toy_run.h"
#include "tests/recipes/export/export_fixtures.h"

namespace ptk::testing {
namespace {

int run_python(const std::string& script, const std::vector<std::string>& args,
               const std::string& log, std::string* output) {
  std::vector<std::string> argv = {PTK_PYTHON,
                                   std::string(PTK_SOURCE_DIR) + "/tests/python/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  Child child(argv, {}, log);
  const int code = exit_code(child.wait(std::chrono::seconds(120)));
  *output = child.output();
  return code;
}

TEST(ExportPython, ResNeXtWeightsGiveTorchvisionTheToolkitsOutputs) {
  ScratchDir dir;
  write_wsl_checkpoint(dir / "run", "resnext50_32x4d", 7, 64);
  const std::vector<std::vector<std::string>> variants = {
      {"export.format=torchvision", "export.head=true"},
      {"export.format=torchvision", "export.head=false"},
      {"export.format=safetensors", "export.head=true"}};
  for (size_t i = 0; i < variants.size(); ++i) {
    const std::string out = dir / ("out" + std::to_string(i));
    std::vector<std::string> args = {"weights", "export.checkpoint=" + dir / "run",
                                     "export.out=" + out, "export.reference_logits=true"};
    args.insert(args.end(), variants[i].begin(), variants[i].end());
    std::string output;
    ASSERT_EQ(run_export(args, out + ".log", &output), 0) << output;
    EXPECT_NE(output.find("torchvision.models.resnet.ResNet("), std::string::npos) << output;
    ASSERT_EQ(run_python("export_torchvision_parity.py", {out}, out + ".py.log", &output), 0)
        << variants[i][0] << " " << variants[i][1] << "\n"
        << output;
    EXPECT_NE(output.find("OK max_abs_diff"), std::string::npos) << output;
  }
}

// The model's outputs, and the ids of the hard text through AutoTokenizer slow and fast against
// ptk-tokenize's (each check that cannot run here is reported as SKIP by the script).
TEST(ExportPython, BertFolderMatchesTransformersOrSkipsWithoutIt) {
  ScratchDir dir;
  const int64_t vocab = write_rich_vocab(dir / "vocab.txt");
  write_bert_checkpoint(dir / "run", vocab);
  std::string output;
  ASSERT_EQ(run_export({"weights", "export.checkpoint=" + dir / "run", "export.out=" + dir / "hf",
                        "export.tokenizer=" + dir / "vocab.txt", "export.reference_logits=true"},
                       dir / "export.log", &output),
            0)
      << output;
  write_hard_text(dir / "hard.txt");
  Child tokenize({std::string(PTK_BINARY_DIR) + "/ptk-tokenize", "encode",
                  "tokenize.tokenizer=" + dir / "vocab.txt", "tokenize.input=" + dir / "hard.txt",
                  "tokenize.output=" + dir / "ptk.ids"},
                 {}, dir / "tokenize.log");
  ASSERT_EQ(exit_code(tokenize.wait(std::chrono::seconds(60))), 0) << tokenize.output();
  ASSERT_EQ(run_python("hf_parity.py", {dir / "hf", dir / "hard.txt", dir / "ptk.ids"},
                       dir / "hf.log", &output),
            0)
      << output;
  EXPECT_TRUE(output.find("SKIP") != std::string::npos || output.find("OK") != std::string::npos)
      << output;
}

}  // namespace
}  // namespace ptk::testing
