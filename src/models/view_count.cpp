#include "mvpose3d/models/view_count.h"

#include "mvpose3d/config/rules.h"
#include "mvpose3d/core/error.h"

namespace mvpose3d::models {

void require_view_count_supported(const ModelConfig& config,
                                  int64_t num_views_trained,
                                  int64_t num_views_given,
                                  const std::string& given_by) {
  const std::string refusal =
      view_count_refusal(config, num_views_trained, num_views_given, given_by);
  if (!refusal.empty()) throw UsageError(refusal);
}

}  // namespace mvpose3d::models
