#include "mvpose3d/mocap/track_filters.h"

#include "mvpose3d/core/error.h"

#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include <gtest/gtest.h>

#include "mocap/mocap_test_util.h"

namespace mvpose3d::mocap {
namespace {

using testing::TempDir;
using testing::write_text;

std::vector<double> read_numbers(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<double> values;
  for (double v; in >> v;) values.push_back(v);
  return values;
}

std::string numbers_text(const std::vector<double>& values) {
  std::string out;
  for (double v : values) out += fmt::format("{}\n", v);
  return out;
}

// A noisy movement in mm: two sines and deterministic pseudo-noise.
std::vector<double> movement(int n) {
  std::vector<double> x;
  for (int i = 0; i < n; ++i) {
    x.push_back(800 + 150 * std::sin(0.07 * i) + 40 * std::sin(1.9 * i + 0.3) +
                5 * std::sin(37.0 * i * i + 1.0));
  }
  return x;
}

// scipy.signal.butter + filtfilt (default padding, or padlen = len - 1 for short signals) for each
// line "order cutoff_hz fps" of cases.txt on x<i>.txt, writing y<i>.txt and ba<i>.txt.
constexpr const char* kScipy = R"PY(
import os, sys
import numpy as np
from scipy import signal
folder = sys.argv[1]
for i, line in enumerate(open(os.path.join(folder, "cases.txt"))):
    order, cutoff, fps = int(line.split()[0]), float(line.split()[1]), float(line.split()[2])
    x = np.loadtxt(os.path.join(folder, f"x{i}.txt"), ndmin=1)
    b, a = signal.butter(order, cutoff / (fps / 2))
    padlen = 3 * max(len(a), len(b))
    kwargs = {} if len(x) > padlen else {"padlen": len(x) - 1}
    np.savetxt(os.path.join(folder, f"y{i}.txt"), signal.filtfilt(b, a, x, **kwargs), fmt="%.17g")
    np.savetxt(os.path.join(folder, f"ba{i}.txt"), np.concatenate([b, a]), fmt="%.17g")
)PY";

TEST(TrackFilters, ButterworthMatchesScipyFiltfilt) {
  if (!testing::python_has("scipy, numpy")) GTEST_SKIP() << "the test Python lacks scipy";
  TempDir dir("butter");
  write_text(dir / "scipy_filter.py", kScipy);
  struct Case {
    int order;
    double cutoff_hz, fps;
    int length;
  };
  const std::vector<Case> cases = {
      {4, 6, 30, 300}, {2, 6, 30, 300}, {3, 10, 100, 250}, {4, 6, 30, 12}, {4, 3, 60, 2}};
  std::string lines;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    lines += fmt::format("{} {} {}\n", c.order, c.cutoff_hz, c.fps);
    write_text(dir / fmt::format("x{}.txt", i), numbers_text(movement(c.length)));
  }
  write_text(dir / "cases.txt", lines);
  ASSERT_EQ(testing::run_python((dir / "scipy_filter.py").string(), dir.path().string()), 0);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::vector<double> x = movement(c.length);
    const std::vector<double> expected = read_numbers(dir / fmt::format("y{}.txt", i));
    const std::vector<double> coefficients = read_numbers(dir / fmt::format("ba{}.txt", i));
    const IirFilter filter = butterworth_lowpass(c.order, c.cutoff_hz, c.fps);
    ASSERT_EQ(filter.b.size() + filter.a.size(), coefficients.size());
    for (std::size_t k = 0; k < filter.b.size(); ++k) {
      EXPECT_NEAR(filter.b[k], coefficients[k], 1e-12) << "b" << k;
      EXPECT_NEAR(filter.a[k], coefficients[filter.b.size() + k], 1e-12) << "a" << k;
    }
    const std::vector<double> y = filtfilt(filter, x);
    ASSERT_EQ(y.size(), expected.size());
    double worst = 0;
    for (std::size_t k = 0; k < y.size(); ++k)
      worst = std::max(worst, std::abs(y[k] - expected[k]));
    EXPECT_LE(worst, 1e-9) << "order " << c.order << ", " << c.length << " samples";
    std::cout << fmt::format("order {}, {} Hz at {} fps, {} samples: max |ours - scipy| = {:.3g}\n",
                             c.order,
                             c.cutoff_hz,
                             c.fps,
                             c.length,
                             worst);
  }
}

TEST(TrackFilters, RejectsCutoffAboveNyquist) {
  EXPECT_THROW(butterworth_lowpass(4, 15, 30), UsageError);
  EXPECT_THROW(butterworth_lowpass(0, 6, 30), UsageError);
}

Tracks3d one_joint(const std::vector<double>& x, const std::vector<int>& invalid) {
  Tracks3d t;
  t.joint_names = {"j"};
  t.view_names = {"a", "b"};
  t.resize_invalid(static_cast<int64_t>(x.size()));
  for (std::size_t f = 0; f < x.size(); ++f) {
    t.valid[f] = 1;
    t.points[3 * f] = x[f];
    t.points[3 * f + 1] = 2 * x[f];
    t.points[3 * f + 2] = -x[f];
  }
  for (int f : invalid) {
    t.valid[static_cast<std::size_t>(f)] = 0;
    for (int c = 0; c < 3; ++c) t.points[3 * static_cast<std::size_t>(f) + c] = NAN;
  }
  return t;
}

TEST(TrackFilters, InterpolatesShortGapsOnly) {
  // Frames 2-3 (a gap of 2) are filled, 6-10 (5) and the end (12) are not.
  std::vector<double> x;
  for (int f = 0; f < 13; ++f) x.push_back(10.0 * f);
  Tracks3d t = one_joint(x, {2, 3, 6, 7, 8, 9, 10, 12});
  EXPECT_EQ(interpolate_gaps(t, 3), 2);
  EXPECT_TRUE(t.valid[2] && t.valid[3] && t.interpolated[2]);
  EXPECT_DOUBLE_EQ(t.points[3 * 2], 20.0);
  EXPECT_DOUBLE_EQ(t.points[3 * 3 + 1], 60.0);
  for (int f : {6, 7, 8, 9, 10, 12}) EXPECT_FALSE(t.valid[static_cast<std::size_t>(f)]) << f;
  EXPECT_EQ(interpolate_gaps(t, 5), 5);
}

TEST(TrackFilters, FiltersEachValidRunOnItsOwn) {
  const std::vector<double> x = movement(80);
  Tracks3d t = one_joint(x, {40, 41});
  const IirFilter filter = butterworth_lowpass(4, 6, 30);
  EXPECT_EQ(filter_tracks(t, filter), 2);
  const std::vector<double> first = filtfilt(filter, {x.begin(), x.begin() + 40});
  const std::vector<double> second = filtfilt(filter, {x.begin() + 42, x.end()});
  EXPECT_DOUBLE_EQ(t.points[3 * 10], first[10]);
  EXPECT_DOUBLE_EQ(t.points[3 * 50], second[8]);
  EXPECT_TRUE(std::isnan(t.points[3 * 40]));
  EXPECT_FALSE(t.valid[41]);
}

}  // namespace
}  // namespace mvpose3d::mocap
