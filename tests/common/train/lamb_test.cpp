#include "common/train/lamb.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <torch/types.h>

#include "common/base/error.h"

namespace ptk::train {
namespace {

// LAMB worked out with plain doubles, written from the paper's algorithm (NVIDIA's variant:
// bias-corrected moments, decoupled decay inside the update, trust ratio 1 when a norm is 0).
struct ReferenceLamb {
  double lr, beta1, beta2, eps, weight_decay;
  std::vector<double> m, v;
  int step = 0;

  void update(std::vector<double>& w, const std::vector<double>& g) {
    if (m.empty()) m.assign(w.size(), 0.0), v.assign(w.size(), 0.0);
    ++step;
    std::vector<double> u(w.size());
    double w_norm2 = 0.0, u_norm2 = 0.0;
    for (size_t i = 0; i < w.size(); ++i) {
      m[i] = beta1 * m[i] + (1.0 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i];
      const double m_hat = m[i] / (1.0 - std::pow(beta1, step));
      const double v_hat = v[i] / (1.0 - std::pow(beta2, step));
      u[i] = m_hat / (std::sqrt(v_hat) + eps) + weight_decay * w[i];
      w_norm2 += w[i] * w[i];
      u_norm2 += u[i] * u[i];
    }
    const double ratio =
        (w_norm2 > 0.0 && u_norm2 > 0.0) ? std::sqrt(w_norm2) / std::sqrt(u_norm2) : 1.0;
    for (size_t i = 0; i < w.size(); ++i) w[i] -= lr * ratio * u[i];
  }
};

at::Tensor doubles(const std::vector<double>& values) {
  return torch::tensor(values, torch::dtype(torch::kDouble));
}

std::vector<double> values_of(const at::Tensor& tensor) {
  const at::Tensor flat = tensor.detach().contiguous().to(torch::kDouble);
  return std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
}

void expect_near(const at::Tensor& actual, const std::vector<double>& expected, double tol) {
  const std::vector<double> got = values_of(actual);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol) << "index " << i;
}

TEST(Lamb, FirstStepMatchesHandComputedUpdate) {
  // Step 1: m_hat = g and v_hat = g^2, so update_i = g_i / (|g_i| + eps) + wd * w_i.
  const double lr = 0.01, eps = 1e-6, wd = 0.01;
  const std::vector<double> w = {1.0, -2.0, 0.5};
  const std::vector<double> g = {0.1, 0.2, -0.3};
  std::vector<double> u(3);
  for (int i = 0; i < 3; ++i) u[i] = g[i] / (std::fabs(g[i]) + eps) + wd * w[i];
  const double w_norm = std::sqrt(1.0 + 4.0 + 0.25);
  const double u_norm = std::sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
  std::vector<double> expected(3);
  for (int i = 0; i < 3; ++i) expected[i] = w[i] - lr * (w_norm / u_norm) * u[i];
  // Spot-check the arithmetic above against numbers written out by hand.
  EXPECT_NEAR(u[0], 0.99999 + 0.01, 1e-5);
  EXPECT_NEAR(u[1], 0.999995 - 0.02, 1e-5);
  EXPECT_NEAR(u[2], -0.9999967 + 0.005, 1e-5);

  at::Tensor param = doubles(w);
  Lamb lamb({param}, LambOptions(lr).betas({0.9, 0.999}).eps(eps).weight_decay(wd));
  param.mutable_grad() = doubles(g);
  lamb.step();
  expect_near(param, expected, 1e-12);
}

TEST(Lamb, TwoStepsMatchReferenceWithBiasCorrection) {
  ReferenceLamb reference{0.05, 0.9, 0.999, 1e-6, 0.1};
  std::vector<double> w = {0.3, -1.2, 2.0};
  const std::vector<std::vector<double>> grads = {{0.5, -0.25, 0.125}, {-0.05, 0.4, 0.1}};

  at::Tensor param = doubles(w);
  Lamb lamb({param}, LambOptions(0.05).betas({0.9, 0.999}).eps(1e-6).weight_decay(0.1));
  for (const auto& g : grads) {
    param.mutable_grad() = doubles(g);
    lamb.step();
    reference.update(w, g);
    expect_near(param, w, 1e-12);
  }
}

TEST(Lamb, TrustRatioIsOneForZeroWeights) {
  // ||w|| = 0: the update is applied with ratio 1 instead of wiping it out.
  at::Tensor param = doubles({0.0, 0.0});
  Lamb lamb({param}, LambOptions(0.1).eps(1e-6).weight_decay(0.01));
  param.mutable_grad() = doubles({2.0, -4.0});
  lamb.step();
  expect_near(param, {-0.1 * 2.0 / (2.0 + 1e-6), 0.1 * 4.0 / (4.0 + 1e-6)}, 1e-12);
}

TEST(Lamb, ZeroUpdateLeavesWeightsUnchanged) {
  // Zero gradient and no decay: ||update|| = 0, the ratio falls back to 1, nothing moves.
  at::Tensor param = doubles({1.0, 2.0});
  Lamb lamb({param}, LambOptions(0.1).weight_decay(0.0));
  param.mutable_grad() = doubles({0.0, 0.0});
  lamb.step();
  expect_near(param, {1.0, 2.0}, 0.0);
}

TEST(Lamb, EachParameterGetsItsOwnTrustRatio) {
  ReferenceLamb ref_a{0.02, 0.9, 0.999, 1e-6, 0.01};
  ReferenceLamb ref_b = ref_a;
  std::vector<double> a = {1.0, 1.0}, b = {100.0, -50.0, 25.0};
  at::Tensor pa = doubles(a), pb = doubles(b);
  Lamb lamb({pa, pb}, LambOptions(0.02).eps(1e-6).weight_decay(0.01));
  pa.mutable_grad() = doubles({0.3, -0.1});
  pb.mutable_grad() = doubles({1.0, 2.0, 3.0});
  lamb.step();
  ref_a.update(a, {0.3, -0.1});
  ref_b.update(b, {1.0, 2.0, 3.0});
  expect_near(pa, a, 1e-12);
  expect_near(pb, b, 1e-10);
}

TEST(Lamb, ParametersWithoutGradientAreSkipped) {
  at::Tensor with_grad = doubles({1.0}), without_grad = doubles({3.0});
  Lamb lamb({with_grad, without_grad}, LambOptions(0.1));
  with_grad.mutable_grad() = doubles({1.0});
  lamb.step();
  EXPECT_NE(values_of(with_grad)[0], 1.0);
  EXPECT_EQ(values_of(without_grad)[0], 3.0);
  EXPECT_EQ(lamb.state().size(), 1u);
}

TEST(Lamb, InvalidOptionsAreUsageErrors) {
  at::Tensor param = doubles({1.0});
  EXPECT_THROW(Lamb({param}, LambOptions(-1.0)), Error);
  EXPECT_THROW(Lamb({param}, LambOptions(0.1).eps(0.0)), Error);
  EXPECT_THROW(Lamb({param}, LambOptions(0.1).betas({1.0, 0.999})), Error);
  EXPECT_THROW(Lamb({param}, LambOptions(0.1).betas({0.9, -0.1})), Error);
  EXPECT_THROW(Lamb({param}, LambOptions(0.1).weight_decay(-0.01)), Error);
}

TEST(Lamb, SparseGradientIsAnError) {
  at::Tensor param = doubles({1.0, 2.0});
  Lamb lamb({param}, LambOptions(0.1));
  param.mutable_grad() = doubles({1.0, 0.0}).to_sparse();
  EXPECT_THROW(lamb.step(), Error);
}

}  // namespace
}  // namespace ptk::train
