// The `eval` section: what is evaluated and what is saved.
#pragma once

#include "mvpose3d/config/schema.h"

#include <string>
#include <vector>

namespace mvpose3d {

// The most cameras an eval.view_counts rig may have (every view is rendered and run through the
// network, so a few dozen is already slow on a CPU).
inline constexpr int kMaxEvalViewCount = 64;

struct EvalConfig {
  std::vector<std::string> camera_sets{"seen"};
  std::vector<int> view_counts;
  int samples = 1000;
  bool procrustes = true;
  bool save_predictions = false;

  template <class Visitor>
  void visit(Visitor& v) {
    v("camera_sets", camera_sets, "camera sets evaluated, e.g. [seen, unseen]", MinSize(1));
    v("view_counts",
      view_counts,
      "camera counts of further test sets, each an unseen random rig of that many cameras "
      "(unseen_<N>views; synthetic data), evaluated with the network trained on data.num_views: "
      "the Baseline and the symmetric canonical fusion take any count, the concatenating fusions "
      "only data.num_views",
      InRange(2, kMaxEvalViewCount) && StrictlyIncreasing());
    v("samples", samples, "test samples evaluated", Positive());
    v("procrustes", procrustes, "also report PA-MPJPE, the MPJPE after Procrustes alignment");
    v("save_predictions", save_predictions, "save the predicted 3D joints in the run directory");
  }
};
MVPOSE3D_CONFIG_EQUALITY(EvalConfig)

}  // namespace mvpose3d
