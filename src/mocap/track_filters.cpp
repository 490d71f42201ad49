#include "mvpose3d/mocap/track_filters.h"

#include "mvpose3d/core/error.h"

#include <algorithm>
#include <cmath>
#include <complex>

#include <Eigen/Dense>
#include <fmt/format.h>

namespace mvpose3d::mocap {

namespace {

using Complex = std::complex<double>;

// Coefficients of prod (x - r) for roots r, highest power first (numpy.poly).
std::vector<Complex> poly(const std::vector<Complex>& roots) {
  std::vector<Complex> c = {1.0};
  for (const Complex& r : roots) {
    std::vector<Complex> next(c.size() + 1, 0.0);
    for (std::size_t i = 0; i < c.size(); ++i) {
      next[i] += c[i];
      next[i + 1] -= r * c[i];
    }
    c = std::move(next);
  }
  return c;
}

// lfilter with the direct form II transposed state `z` (len(a) - 1 values), in place.
void lfilter(const std::vector<double>& b,
             const std::vector<double>& a,
             std::vector<double>& x,
             std::vector<double> z) {
  const std::size_t order = z.size();
  for (double& sample : x) {
    const double in = sample;
    const double out = b[0] * in + (order > 0 ? z[0] : 0.0);
    for (std::size_t i = 0; i + 1 < order; ++i) z[i] = b[i + 1] * in + z[i + 1] - a[i + 1] * out;
    if (order > 0) z[order - 1] = b[order] * in - a[order] * out;
    sample = out;
  }
}

// scipy.signal.lfilter_zi: the steady state of a unit step, solving (I - A) zi = B.
std::vector<double> lfilter_zi(const std::vector<double>& b, const std::vector<double>& a) {
  const auto n = static_cast<Eigen::Index>(a.size());
  Eigen::MatrixXd i_minus_a = Eigen::MatrixXd::Identity(n - 1, n - 1);
  Eigen::VectorXd rhs(n - 1);
  for (Eigen::Index i = 0; i < n - 1; ++i) {
    i_minus_a(i, 0) += a[static_cast<std::size_t>(i + 1)];  // minus the companion matrix's column
    if (i + 1 < n - 1) i_minus_a(i, i + 1) -= 1.0;
    rhs(i) = b[static_cast<std::size_t>(i + 1)] - a[static_cast<std::size_t>(i + 1)] * b[0];
  }
  const Eigen::VectorXd zi = i_minus_a.partialPivLu().solve(rhs);
  return {zi.data(), zi.data() + zi.size()};
}

}  // namespace

IirFilter butterworth_lowpass(int order, double cutoff_hz, double fps) {
  if (order < 1) throw UsageError(fmt::format("--filter-order {}: must be >= 1", order));
  if (!(fps > 0) || !(cutoff_hz > 0) || !(cutoff_hz < fps / 2)) {
    throw UsageError(fmt::format(
        "--cutoff-hz {} with --fps {}: the cutoff must lie between 0 and fps / 2", cutoff_hz, fps));
  }
  const double wn = cutoff_hz / (fps / 2);
  // Analogue prototype poles, moved to the pre-warped cutoff (sampling rate 2, as scipy's
  // normalised design), then the bilinear transform; the N zeros at infinity go to z = -1.
  const double warped = 4.0 * std::tan(M_PI * wn / 2.0);
  std::vector<Complex> poles;
  Complex gain_ratio = 1.0;
  for (int m = -order + 1; m < order; m += 2) {
    const Complex p = warped * -std::exp(Complex(0.0, M_PI * m / (2.0 * order)));
    poles.push_back((4.0 + p) / (4.0 - p));
    gain_ratio /= (4.0 - p);
  }
  const double gain = std::pow(warped, order) * gain_ratio.real();
  const std::vector<Complex> zeros(static_cast<std::size_t>(order), Complex(-1.0, 0.0));
  IirFilter f;
  for (const Complex& c : poly(zeros)) f.b.push_back(gain * c.real());
  for (const Complex& c : poly(poles)) f.a.push_back(c.real());
  return f;
}

int64_t filtfilt_padlen(const IirFilter& filter) {
  return 3 * static_cast<int64_t>(std::max(filter.a.size(), filter.b.size()));
}

std::vector<double> filtfilt(const IirFilter& filter, const std::vector<double>& x) {
  if (x.empty()) return x;
  std::size_t n = x.size();
  std::size_t edge = static_cast<std::size_t>(filtfilt_padlen(filter));
  if (edge >= n) edge = n - 1;
  std::vector<double> b = filter.b, a = filter.a;
  const std::size_t taps = std::max(a.size(), b.size());
  b.resize(taps, 0.0);
  a.resize(taps, 0.0);
  // Odd extension: 2 x[0] - x[edge..1] before, 2 x[n-1] - x[n-2..n-1-edge] after.
  std::vector<double> ext;
  ext.reserve(n + 2 * edge);
  for (std::size_t i = edge; i >= 1; --i) ext.push_back(2 * x[0] - x[i]);
  ext.insert(ext.end(), x.begin(), x.end());
  for (std::size_t i = 1; i <= edge; ++i) ext.push_back(2 * x[n - 1] - x[n - 1 - i]);
  const std::vector<double> zi = lfilter_zi(b, a);
  auto scaled = [&](double s) {
    std::vector<double> z = zi;
    for (double& v : z) v *= s;
    return z;
  };
  lfilter(b, a, ext, scaled(ext.front()));
  std::reverse(ext.begin(), ext.end());
  lfilter(b, a, ext, scaled(ext.front()));
  std::reverse(ext.begin(), ext.end());
  return {ext.begin() + static_cast<std::ptrdiff_t>(edge),
          ext.begin() + static_cast<std::ptrdiff_t>(edge + n)};
}

int64_t interpolate_gaps(Tracks3d& t, int max_gap) {
  int64_t filled = 0;
  if (max_gap <= 0) return 0;
  for (int64_t j = 0; j < t.joints(); ++j) {
    int64_t last_valid = -1;
    for (int64_t f = 0; f < t.frames; ++f) {
      if (!t.valid[t.at(f, j)]) continue;
      const int64_t gap = f - last_valid - 1;
      if (last_valid >= 0 && gap > 0 && gap <= max_gap) {
        const std::size_t from = t.at(last_valid, j), to = t.at(f, j);
        for (int64_t g = last_valid + 1; g < f; ++g) {
          const double s =
              static_cast<double>(g - last_valid) / static_cast<double>(f - last_valid);
          const std::size_t k = t.at(g, j);
          for (std::size_t c = 0; c < 3; ++c) {
            t.points[3 * k + c] = (1 - s) * t.points[3 * from + c] + s * t.points[3 * to + c];
          }
          t.valid[k] = 1;
          t.interpolated[k] = 1;
          ++filled;
        }
      }
      last_valid = f;
    }
  }
  return filled;
}

int64_t filter_tracks(Tracks3d& t, const IirFilter& filter) {
  int64_t runs = 0;
  std::vector<double> signal;
  for (int64_t j = 0; j < t.joints(); ++j) {
    int64_t f = 0;
    while (f < t.frames) {
      if (!t.valid[t.at(f, j)]) {
        ++f;
        continue;
      }
      int64_t end = f;
      while (end < t.frames && t.valid[t.at(end, j)]) ++end;
      for (std::size_t c = 0; c < 3; ++c) {
        signal.clear();
        for (int64_t g = f; g < end; ++g) signal.push_back(t.points[3 * t.at(g, j) + c]);
        const std::vector<double> smooth = filtfilt(filter, signal);
        for (int64_t g = f; g < end; ++g) {
          t.points[3 * t.at(g, j) + c] = smooth[static_cast<std::size_t>(g - f)];
        }
      }
      ++runs;
      f = end;
    }
  }
  return runs;
}

}  // namespace mvpose3d::mocap
