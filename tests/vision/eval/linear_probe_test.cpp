// The linear probe on synthetic data with a known answer: separable classes are fitted
// perfectly, the L2 sweep is scored on a held-out split, and bad input is refused.
#include "vision/eval/linear_probe.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "common/base/error.h"

namespace ptk::vision {
namespace {

// Three Gaussian blobs in 20-d with very different feature scales (standardisation must cope).
void blobs(int64_t per_class, uint64_t seed, at::Tensor* x, at::Tensor* y) {
  at::manual_seed(seed);
  const at::Tensor centres = at::randn({3, 20}) * 4;
  *y = at::arange(3, at::kLong).repeat_interleave(per_class);
  const at::Tensor scale = at::logspace(-3, 3, 20);
  *x = (centres.index_select(0, *y) + at::randn({3 * per_class, 20})) * scale;
}

TEST(LinearProbe, SeparableClassesAreClassifiedPerfectly) {
  at::Tensor train_x, train_y, val_x, val_y;
  blobs(100, 1, &train_x, &train_y);
  at::manual_seed(2);
  val_x = train_x.slice(0, 0, 300, 7) + 0.01 * at::randn({43, 20}) * at::logspace(-3, 3, 20);
  val_y = train_y.slice(0, 0, 300, 7);
  LinearProbeOptions options;
  const LinearProbeResult result = linear_probe(train_x, train_y, val_x, val_y, 3, options);
  EXPECT_DOUBLE_EQ(result.val.top1, 1.0);
  EXPECT_DOUBLE_EQ(result.val.top5, 1.0);
  ASSERT_EQ(result.sweep.size(), options.weight_decays.size());
  EXPECT_EQ(result.holdout_images, 30);
  EXPECT_EQ(result.train_images, 300);
  for (const auto& [wd, top1] : result.sweep) EXPECT_GT(top1, 0.95) << wd;
}

TEST(LinearProbe, SweepPicksTheDecayThatGeneralisesAndRefitIsDeterministic) {
  // Labels depend on feature 0 only; 50 noise features around it.
  at::manual_seed(5);
  const at::Tensor x = at::randn({400, 51});
  const at::Tensor y = (x.select(1, 0) > 0).to(at::kLong);
  const at::Tensor vx = at::randn({400, 51});
  const at::Tensor vy = (vx.select(1, 0) > 0).to(at::kLong);
  LinearProbeOptions options;
  options.weight_decays = {0.0, 1e-1, 1e2};
  options.holdout_fraction = 0.25;
  const LinearProbeResult a = linear_probe(x, y, vx, vy, 2, options);
  const LinearProbeResult b = linear_probe(x, y, vx, vy, 2, options);
  EXPECT_EQ(a.val.top1, b.val.top1);
  EXPECT_EQ(a.weight_decay, b.weight_decay);
  // A decay of 100 flattens everything to chance; it must not win.
  EXPECT_NE(a.weight_decay, 1e2);
  EXPECT_GT(a.val.top1, 0.85);
}

TEST(LinearProbe, FitReachesTheL2Optimum) {
  // With a strong decay the gradient of the objective vanishes at the returned weights.
  at::manual_seed(9);
  const at::Tensor x = at::randn({200, 5});
  const at::Tensor y = at::randint(0, 4, {200}, at::kLong);
  const LinearClassifier c = fit_logistic_regression(x, y, 4, 0.1, 200);
  at::Tensor w = c.weight.clone().requires_grad_(true);
  at::Tensor b = c.bias.clone().requires_grad_(true);
  at::Tensor loss = at::cross_entropy_loss(at::addmm(b, x, w.t()), y) + 0.05 * w.pow(2).sum();
  loss.backward();
  EXPECT_LT(w.grad().abs().max().item<double>(), 1e-4);
  EXPECT_LT(b.grad().abs().max().item<double>(), 1e-4);
  EXPECT_NEAR(c.final_loss, loss.item<double>(), 1e-5);
}

TEST(LinearProbe, BadInputIsAnError) {
  const at::Tensor x = at::randn({10, 3});
  EXPECT_THROW(fit_logistic_regression(x, at::full({10}, 3, at::kLong), 3, 0, 10), Error);
  EXPECT_THROW(fit_logistic_regression(x, at::zeros({9}, at::kLong), 3, 0, 10), Error);
  EXPECT_THROW(linear_probe(x, at::zeros({10}, at::kLong), at::randn({4, 2}),
                            at::zeros({4}, at::kLong), 3, {}),
               Error);
}

}  // namespace
}  // namespace ptk::vision
