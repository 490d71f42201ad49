// GoogleTest matchers for tensors:
//   EXPECT_THAT(actual, TensorNear(expected, atol, rtol));
// passes exactly when at::allclose(actual, expected, rtol, atol) would (|actual − expected| <= atol
// + rtol·|expected| elementwise, in the tensors' dtype; NaN never matches) and the shapes are
// equal; a failure names the largest difference, where it is, and how many elements are off.
#pragma once

#include <cstdint>
#include <gmock/gmock.h>
#include <ostream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mvpose3d::testing {

namespace detail {

// The multi-index of element `flat` of a row-major tensor of shape `sizes`.
inline std::vector<int64_t> unravel(int64_t flat, at::IntArrayRef sizes) {
  std::vector<int64_t> index(sizes.size());
  for (size_t d = sizes.size(); d-- > 0;) {
    index[d] = sizes[d] > 0 ? flat % sizes[d] : 0;
    flat = sizes[d] > 0 ? flat / sizes[d] : 0;
  }
  return index;
}

class TensorNearMatcher : public ::testing::MatcherInterface<const at::Tensor&> {
 public:
  TensorNearMatcher(at::Tensor expected, double atol, double rtol)
      : expected_(std::move(expected)), atol_(atol), rtol_(rtol) {}

  bool MatchAndExplain(const at::Tensor& actual,
                       ::testing::MatchResultListener* listener) const override {
    if (!actual.defined() || !expected_.defined()) {
      *listener << (actual.defined() ? "the expected tensor is undefined" : "it is undefined");
      return false;
    }
    if (!actual.sizes().equals(expected_.sizes())) {
      *listener << fmt::format("shape [{}], expected [{}]",
                               fmt::join(actual.sizes(), ", "),
                               fmt::join(expected_.sizes(), ", "));
      return false;
    }
    if (actual.scalar_type() != expected_.scalar_type()) {
      *listener << "dtype " << actual.scalar_type() << ", expected " << expected_.scalar_type();
      return false;
    }
    const at::Tensor a = actual.detach().cpu();
    const at::Tensor e = expected_.detach().cpu();
    if (at::allclose(a, e, rtol_, atol_)) return true;
    // Diagnostics in float64: the element furthest outside its tolerance (NaN counts as infinitely
    // far), its difference, and how many elements fail.
    const at::Tensor ad = a.to(at::kDouble).flatten(), ed = e.to(at::kDouble).flatten();
    const at::Tensor off = ~at::isclose(a, e, rtol_, atol_).flatten();
    const at::Tensor diff = (ad - ed).abs();
    const at::Tensor excess =
        at::where(off,
                  at::nan_to_num(diff - (atol_ + rtol_ * ed.abs()), 1e300, 1e300, 1e300),
                  at::full({}, -1.0, diff.options()));
    const int64_t worst = excess.argmax().item<int64_t>();
    *listener << fmt::format(
        "{} of {} elements differ by more than atol + rtol·|expected| (atol {}, rtol {}); the "
        "worst is at [{}]: actual {}, expected {}, difference {}",
        off.sum().item<int64_t>(),
        a.numel(),
        atol_,
        rtol_,
        fmt::join(unravel(worst, a.sizes()), ", "),
        ad[worst].item<double>(),
        ed[worst].item<double>(),
        diff[worst].item<double>());
    return false;
  }

  void DescribeTo(std::ostream* os) const override {
    *os << fmt::format("is a [{}] tensor within atol {} + rtol {}·|expected| of the expected one",
                       fmt::join(expected_.sizes(), ", "),
                       atol_,
                       rtol_);
  }

  void DescribeNegationTo(std::ostream* os) const override {
    *os << "is not ";
    DescribeTo(os);
  }

 private:
  at::Tensor expected_;
  double atol_;
  double rtol_;
};

}  // namespace detail

// Note the argument order: atol before rtol (at::allclose takes rtol first).
inline ::testing::Matcher<const at::Tensor&> TensorNear(const at::Tensor& expected,
                                                        double atol,
                                                        double rtol) {
  return ::testing::MakeMatcher(new detail::TensorNearMatcher(expected, atol, rtol));
}

}  // namespace mvpose3d::testing
