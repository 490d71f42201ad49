// Labels must hold finite joint positions: a NaN or Inf in a labels file trained a NaN model that
// exited 0 (issue #20). The dataset readers refuse such a file at load, naming the row and joint.
#pragma once

#include "mvpose3d/core/error.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mvpose3d {

// Throws Error for the first value of `values` ([rows, joints, dims], row-major; joints =
// joint_names.size()) that is NaN or infinite:
//   "<row_name(r)>, joint <j> (<name>): <axis> is nan, not a finite number"
// where row_name says where row r is ("labels.h5: /lt/table/keypoints row 12", "file:7: frame 5")
// and the axis is x, y or z.
inline void require_finite_joints(const double* values,
                                  std::int64_t rows,
                                  const std::vector<std::string>& joint_names,
                                  int dims,
                                  const std::function<std::string(std::int64_t)>& row_name) {
  const std::int64_t joints = static_cast<std::int64_t>(joint_names.size());
  const std::int64_t count = rows * joints * dims;
  for (std::int64_t i = 0; i < count; ++i) {
    if (std::isfinite(values[i])) continue;
    const std::int64_t joint = i / dims % joints;
    throw Error(fmt::format("{}, joint {} ({}): {} is {}, not a finite number",
                            row_name(i / dims / joints),
                            joint,
                            joint_names[static_cast<std::size_t>(joint)],
                            "xyz"[i % dims],
                            values[i]));
  }
}

}  // namespace mvpose3d
