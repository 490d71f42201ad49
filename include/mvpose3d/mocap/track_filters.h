// Temporal filters on 3D tracks: zero-phase Butterworth low-pass and gap interpolation.
//
// The Butterworth filter is scipy's: the coefficients of scipy.signal.butter(order, cutoff_hz /
// (fps / 2)) (analogue prototype, pre-warped bilinear transform) and scipy.signal.filtfilt with
// its defaults (odd extension of padlen = 3 * max(len(a), len(b)) samples at each end, the initial
// state of lfilter_zi scaled by the first sample, forwards then backwards), so the results match
// scipy to rounding. `order` is the design order; the forward-backward pass doubles it.
#pragma once

#include "mvpose3d/mocap/tracks3d.h"

#include <cstdint>
#include <vector>

namespace mvpose3d::mocap {

struct IirFilter {
  std::vector<double> b;  // numerator
  std::vector<double> a;  // denominator, a[0] = 1
};

// Low-pass Butterworth of `order` with its -3 dB point at cutoff_hz for a signal sampled at fps;
// throws UsageError unless order >= 1 and 0 < cutoff_hz < fps / 2.
IirFilter butterworth_lowpass(int order, double cutoff_hz, double fps);

// scipy.signal.filtfilt(b, a, x) with padtype 'odd'. A signal not longer than the default padding
// is padded by len(x) - 1 samples instead (scipy's filtfilt(..., padlen=len(x) - 1)).
std::vector<double> filtfilt(const IirFilter& filter, const std::vector<double>& x);

// The default padding of filtfilt for `filter`: 3 * max(len(a), len(b)).
int64_t filtfilt_padlen(const IirFilter& filter);

// Fills gaps of at most `max_gap` invalid frames between two valid frames of a joint by linear
// interpolation (marked in Tracks3d::interpolated; error NaN, no views). Longer gaps and gaps at
// either end stay invalid. Returns the number of joint-frames filled.
int64_t interpolate_gaps(Tracks3d& tracks, int max_gap);

// Filters each run of consecutive valid frames of each joint and coordinate on its own (invalid
// frames are never filled by the filter). Returns the number of runs filtered.
int64_t filter_tracks(Tracks3d& tracks, const IirFilter& filter);

}  // namespace mvpose3d::mocap
