#include "text/glue/glue_encoding.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <utility>

#include "text/glue/glue_task.h"

namespace ptk::text::glue {
namespace {

EncodedExample pack(std::vector<int32_t> a, std::vector<int32_t> b, bool pair,
                    const SpecialIds& specials, int64_t max_length) {
  const size_t budget = static_cast<size_t>(max_length - (pair ? 3 : 2));
  while (a.size() + b.size() > budget) {
    (a.size() >= b.size() ? a : b).pop_back();
  }
  EncodedExample example;
  example.ids.push_back(specials.cls);
  example.ids.insert(example.ids.end(), a.begin(), a.end());
  example.ids.push_back(specials.sep);
  example.types.assign(example.ids.size(), 0);
  if (pair) {
    example.ids.insert(example.ids.end(), b.begin(), b.end());
    example.ids.push_back(specials.sep);
    example.types.resize(example.ids.size(), 1);
  }
  return example;
}

}  // namespace

EncodedSplit encode_split(GlueSplit split, const TokenizerProcess& tokenizer,
                          const SpecialIds& specials, int64_t max_length, int64_t limit) {
  if (limit > 0 && static_cast<int64_t>(split.examples.size()) > limit) {
    split.examples.resize(static_cast<size_t>(limit));
  }
  const bool pair = glue_task_spec(split.task).splits.front().text_b_column != kNoColumn;
  std::vector<std::string> lines;
  for (const GlueExample& example : split.examples) {
    lines.push_back(example.text_a);
    if (pair) lines.push_back(example.text_b);
  }
  const EncodedLines encoded = tokenizer.encode(lines);
  EncodedSplit out;
  out.split = split.split;
  for (size_t i = 0; i < split.examples.size(); ++i) {
    const size_t row = pair ? 2 * i : i;
    EncodedExample example =
        pack(encoded.ids[row], pair ? encoded.ids[row + 1] : std::vector<int32_t>{}, pair, specials,
             max_length);
    example.label = split.examples[i].label;
    example.target = split.examples[i].target;
    out.examples.push_back(std::move(example));
  }
  out.source = std::move(split);
  return out;
}

train::Batch make_glue_batch(const std::vector<EncodedExample>& examples,
                             const std::vector<int64_t>& indices, int64_t pad, bool regression) {
  const int64_t n = static_cast<int64_t>(indices.size());
  int64_t length = 0;
  for (int64_t index : indices) {
    length = std::max<int64_t>(length, examples[static_cast<size_t>(index)].ids.size());
  }
  at::Tensor ids = at::full({n, length}, pad, at::kLong);
  at::Tensor types = at::zeros({n, length}, at::kLong);
  at::Tensor mask = at::zeros({n, length}, at::kLong);
  at::Tensor labels = regression ? at::empty({n}, at::kFloat) : at::empty({n}, at::kLong);
  int64_t* id_data = ids.data_ptr<int64_t>();
  int64_t* type_data = types.data_ptr<int64_t>();
  int64_t* mask_data = mask.data_ptr<int64_t>();
  for (int64_t b = 0; b < n; ++b) {
    const EncodedExample& example = examples[static_cast<size_t>(indices[static_cast<size_t>(b)])];
    std::copy(example.ids.begin(), example.ids.end(), id_data + b * length);
    std::copy(example.types.begin(), example.types.end(), type_data + b * length);
    std::fill(mask_data + b * length, mask_data + b * length + example.ids.size(), 1);
    if (regression) {
      labels.data_ptr<float>()[b] = static_cast<float>(example.target);
    } else {
      labels.data_ptr<int64_t>()[b] = example.label;
    }
  }
  train::Batch batch;
  batch.fields = {
      {"input_ids", ids}, {"token_type_ids", types}, {"attention_mask", mask}, {"labels", labels}};
  batch.size = n;
  return batch;
}

}  // namespace ptk::text::glue
