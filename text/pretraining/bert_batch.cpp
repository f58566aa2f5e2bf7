#include "text/pretraining/bert_batch.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "common/base/error.h"
#include "common/data/collate.h"

namespace ptk::text {

train::Batch collate_bert(const std::vector<BertSample>& samples, int64_t length, int32_t pad_id) {
  const int64_t n = static_cast<int64_t>(samples.size());
  int64_t masked = 0;
  for (const BertSample& sample : samples) {
    if (static_cast<int64_t>(sample.input_ids.size()) > length ||
        sample.token_types.size() != sample.input_ids.size() ||
        sample.masked_positions.size() != sample.masked_labels.size()) {
      throw error(
          "collate_bert: a sample of {} tokens does not fit length {} or its fields disagree in "
          "size",
          sample.input_ids.size(), length);
    }
    masked += static_cast<int64_t>(sample.masked_positions.size());
  }
  at::Tensor input_ids = at::full({n, length}, pad_id, at::kLong);
  at::Tensor token_types = at::zeros({n, length}, at::kLong);
  at::Tensor attention = at::zeros({n, length}, at::kLong);
  at::Tensor positions = at::empty({masked}, at::kLong);
  at::Tensor labels = at::empty({masked}, at::kLong);
  at::Tensor nsp = at::empty({n}, at::kLong);
  int64_t* ids = input_ids.data_ptr<int64_t>();
  int64_t* types = token_types.data_ptr<int64_t>();
  int64_t* mask = attention.data_ptr<int64_t>();
  int64_t* pos = positions.data_ptr<int64_t>();
  int64_t* lab = labels.data_ptr<int64_t>();
  int64_t m = 0;
  for (int64_t b = 0; b < n; ++b) {
    const BertSample& sample = samples[static_cast<size_t>(b)];
    const size_t tokens = sample.input_ids.size();
    std::copy(sample.input_ids.begin(), sample.input_ids.end(), ids + b * length);
    std::copy(sample.token_types.begin(), sample.token_types.end(), types + b * length);
    std::fill(mask + b * length, mask + b * length + tokens, 1);
    for (size_t j = 0; j < sample.masked_positions.size(); ++j) {
      const int32_t p = sample.masked_positions[j];
      if (p < 0 || static_cast<size_t>(p) >= tokens) {
        throw error("collate_bert: masked position {} outside a sample of {} tokens", p, tokens);
      }
      pos[m] = b * length + p;
      lab[m] = sample.masked_labels[j];
      ++m;
    }
    nsp.data_ptr<int64_t>()[b] = sample.nsp_label;
  }
  train::Batch batch;
  batch.fields["input_ids"] = data::pin_if_cuda(input_ids);
  batch.fields["token_type_ids"] = data::pin_if_cuda(token_types);
  batch.fields["attention_mask"] = data::pin_if_cuda(attention);
  batch.fields["masked_positions"] = data::pin_if_cuda(positions);
  batch.fields["masked_labels"] = data::pin_if_cuda(labels);
  batch.fields["nsp_labels"] = data::pin_if_cuda(nsp);
  batch.size = n;
  return batch;
}

}  // namespace ptk::text
