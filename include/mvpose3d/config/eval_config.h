// The `eval` section: what is evaluated and what is saved.
#pragma once

#include "mvpose3d/config/schema.h"

#include <string>
#include <vector>

namespace mvpose3d {

struct EvalConfig {
  std::vector<std::string> camera_sets{"seen"};
  int samples = 1000;
  bool procrustes = true;
  bool save_predictions = false;

  template <class Visitor>
  void visit(Visitor& v) {
    v("camera_sets", camera_sets, "camera sets evaluated, e.g. [seen, unseen]", MinSize(1));
    v("samples", samples, "test samples evaluated", Positive());
    v("procrustes", procrustes, "also report PA-MPJPE, the MPJPE after Procrustes alignment");
    v("save_predictions", save_predictions, "save the predicted 3D joints in the run directory");
  }
};
MVPOSE3D_CONFIG_EQUALITY(EvalConfig)

}  // namespace mvpose3d
