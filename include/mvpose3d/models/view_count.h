// Which networks run on another number of cameras than they were trained with: one rule for every
// caller that hands a trained network a camera count (eval.view_counts, a user's rig).
//
//   models::require_view_count_supported(config.model, config.data.num_views, rig.size(),
//                                        "the rig of --cameras");
//
// The Baseline and the symmetric canonical fusion (model.canonical_pooling = mean, equivariant or
// not) share every weight across views and pool them symmetrically, so the same weights serve any
// number of cameras. The concatenating blocks (model.fusion = fusion; canonical with
// canonical_pooling = concat) hold one channel group per view slot: they run on the trained count
// only. The rule itself is config/rules.h's view_count_refusal (check-config reports it too).
#pragma once

#include "mvpose3d/config/model_config.h"

#include <cstdint>
#include <string>

namespace mvpose3d::models {

// Throws UsageError (an Error) when a network of `config` trained on `num_views_trained` cameras
// cannot run on `num_views_given` (fewer than 1, or another count for a concatenating fusion). The
// message names `given_by` (the config key or the input that gave the count, e.g.
// "eval.view_counts[0]"), the fusion's keys and data.num_views.
void require_view_count_supported(const ModelConfig& config,
                                  int64_t num_views_trained,
                                  int64_t num_views_given,
                                  const std::string& given_by);

}  // namespace mvpose3d::models
