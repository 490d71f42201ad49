// The rules between config keys, e.g. "model.equivariant needs model.fusion = canonical" or
// "data.num_views is 3 but data.h36m.cameras lists 4 cameras". load_config() and validate()
// (run_config.h) report every broken rule with the constraints, so `mvpose3d check-config` rejects
// what `mvpose3d train` would; code that builds from a config made in C++ calls them too.
#pragma once

#include "mvpose3d/config/data_config.h"
#include "mvpose3d/config/model_config.h"
#include "mvpose3d/config/schema.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mvpose3d {

struct RunConfig;

// The test camera set that permutes the seen views (every dataset has it).
inline constexpr const char* kPermutedCameraSet = "permuted";

// The camera sets of the synthetic dataset, without "permuted": seen, rotated, unseen, random.
const std::vector<std::string>& synthetic_camera_set_names();

// The camera sets that eval.camera_sets may name for data.type, "permuted" last.
std::vector<std::string> camera_set_names(const DataConfig& data);

// Whether a network of `model` runs on any number of cameras: the Baseline (fusion none) and the
// symmetric canonical fusion (canonical_pooling mean, equivariant or not) do; the concatenating
// blocks (fusion, and canonical with canonical_pooling concat) keep one channel group per view slot
// and run only on the camera count they were built for.
bool model_takes_any_view_count(const ModelConfig& model);

// "" when a network of `model` trained on `num_views_trained` cameras (data.num_views) can run on
// `num_views_given` cameras, which `given_by` names (a key such as "eval.view_counts[0]", or the
// rig a command was given); otherwise why not, naming the keys.
// models::require_view_count_supported throws with it; rule_violations reports it for
// eval.view_counts.
std::string view_count_refusal(const ModelConfig& model,
                               std::int64_t num_views_trained,
                               std::int64_t num_views_given,
                               const std::string& given_by);

// The rules between the `model` keys: equivariant and view_shortcut need a fusion, and the
// canonical fusion's channels must split into point sets. The network's factory checks them too.
std::vector<RuleViolation> model_rule_violations(const ModelConfig& model);

// The rules between the `data` keys that data.type's reader needs: the skeleton, views against
// the listed cameras, the synthetic dataset's [min, max] ranges and subjects.
std::vector<RuleViolation> data_rule_violations(const DataConfig& data);

// Every rule of the whole config: the model's (model_config.h), the data's, the evaluated camera
// sets against data.type, and eval.view_counts against data.type and the model's fusion.
std::vector<RuleViolation> rule_violations(const RunConfig& config);

}  // namespace mvpose3d
