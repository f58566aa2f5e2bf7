#include "vision/eval/feature_extractor.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <future>

#include "common/base/error.h"
#include "common/base/parallel_for.h"

namespace ptk::vision {

namespace {

// Images [begin, end) decoded into a [n, 3, crop, crop] float tensor, on `threads` threads.
at::Tensor decode_batch(const std::vector<LabeledImage>& images, size_t begin, size_t end,
                        const EvalTransform& transform, int threads) {
  const int64_t n = static_cast<int64_t>(end - begin);
  const int64_t side = transform.crop_size;
  at::Tensor batch = at::empty({n, 3, side, side}, at::kFloat);
  float* data = batch.data_ptr<float>();
  const size_t floats = transform.output_floats();
  parallel_for(n, threads, [&](int64_t j) {
    const std::string& path = images[begin + j].path;
    const std::vector<uint8_t> bytes = read_file_bytes(path);
    transform.apply(bytes.data(), bytes.size(), path, data + j * floats);
  });
  return batch;
}

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw error("{}: cannot open image: {}", path, std::strerror(errno));
  const std::streamsize size = in.tellg();
  std::vector<uint8_t> bytes(static_cast<size_t>(std::max<std::streamsize>(size, 0)));
  in.seekg(0);
  if (size < 0 || !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw error("{}: cannot read image", path);
  }
  return bytes;
}

at::Tensor image_labels(const std::vector<LabeledImage>& images) {
  at::Tensor labels = at::empty({static_cast<int64_t>(images.size())}, at::kLong);
  int64_t* data = labels.data_ptr<int64_t>();
  for (size_t i = 0; i < images.size(); ++i) data[i] = images[i].label;
  return labels;
}

at::Tensor map_images(const std::vector<LabeledImage>& images, const ImageBatchOptions& options,
                      const std::function<at::Tensor(const at::Tensor&)>& forward) {
  options.transform.validate();
  fail_if(images.empty(), "no images to run the network on");
  const size_t batch = static_cast<size_t>(options.batch);
  const size_t total = images.size();
  std::vector<at::Tensor> outputs;
  auto decode = [&](size_t begin) {
    return decode_batch(images, begin, std::min(total, begin + batch), options.transform,
                        options.threads);
  };
  std::future<at::Tensor> next = std::async(std::launch::async, decode, size_t{0});
  size_t reported = 0;
  for (size_t begin = 0; begin < total; begin += batch) {
    at::Tensor input = next.get();
    if (begin + batch < total) next = std::async(std::launch::async, decode, begin + batch);
    if (options.channels == 1) input = input.mean(1, /*keepdim=*/true);
    outputs.push_back(forward(input.to(options.device)).to(at::kCPU, at::kFloat));
    const size_t done = std::min(total, begin + batch);
    if (!options.label.empty() && (done * 10 / total > reported || done == total)) {
      reported = done * 10 / total;
      spdlog::info("{}: {}/{} images", options.label, done, total);
    }
  }
  return at::cat(outputs, 0);
}

}  // namespace ptk::vision
