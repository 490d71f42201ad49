// The bound on lens distortion coefficients, shared by the rig YAML parser (which names the key and
// line) and Camera (which every importer builds): what a calibration importer accepts, a rig file
// of it must load (fuzz_colmap_calibration found a COLMAP k2 of 2537220.05 imported, then refused
// by `rig` loading).
#pragma once

namespace mvpose3d {

// Real lenses have |k|, |p| well below 10 in the Brown-Conrady model (H36M's are below 0.3, wide
// angle lenses reach a few units); a coefficient beyond this is a unit or copy error.
inline constexpr double kMaxDistortionCoefficient = 1000;

}  // namespace mvpose3d
