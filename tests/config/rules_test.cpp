// The rules between config keys (rules.h): reported by validate() and by loading, with the origin
// of the value that breaks them.
#include "mvpose3d/config/rules.h"

#include "mvpose3d/config/run_config.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config_test_util.h"

namespace mvpose3d {
namespace {

using testing_config::ScratchDir;

TEST(ConfigRules, TheDefaultsKeepEveryRule) {
  EXPECT_TRUE(rule_violations(default_config()).empty());
}

TEST(ConfigRules, ValidateReportsBrokenRules) {
  RunConfig c = default_config();
  c.model.fusion = FusionMode::kFusion;
  c.model.equivariant = true;
  c.model.fused_channels = 402;  // not checked: only the canonical fusion reads points
  c.data.joints = JointSet::kTc16;
  EXPECT_EQ(
      validate(c),
      (std::vector<std::string>{"model.equivariant needs model.fusion = canonical (it is 'fusion')",
                                "data.type synthetic needs data.joints = h36m17 (it is 'tc16')"}));
  c = default_config();
  c.model.fused_channels = 402;
  c.model.latent_channels = 301;
  EXPECT_EQ(validate(c),
            (std::vector<std::string>{
                "model.latent_channels = 301 must be a multiple of 3: the FTL reads the latent as "
                "3-vectors",
                "model.fused_channels = 402 must be a multiple of 4: with ftl_mode projection the "
                "fused code is a set of 4-vectors"}));
}

TEST(ConfigRules, LoadingPlacesAMessageAtTheValueThatBreaksTheRule) {
  ScratchDir dir;
  const auto file = dir.write("c.yaml", "data:\n  type: h36m\n");
  try {
    load_config(file, {"data.num_views=3", "eval.camera_sets=[seen, rotated]"});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.messages(),
              (std::vector<std::string>{
                  "--set data.num_views=3: data.num_views is 3 but data.h36m.cameras lists 4 "
                  "cameras",
                  "--set eval.camera_sets=[seen, rotated]: eval.camera_sets[1] = 'rotated' is "
                  "not a camera set of data.type h36m (known: seen, permuted)"}));
  }
}

TEST(ConfigRules, CameraSetNamesFollowTheDataset) {
  DataConfig data;
  EXPECT_EQ(camera_set_names(data),
            (std::vector<std::string>{"seen", "rotated", "unseen", "random", "permuted"}));
  data.type = DatasetType::kTotalCapture;
  EXPECT_EQ(camera_set_names(data), (std::vector<std::string>{"seen", "unseen", "permuted"}));
  data.type = DatasetType::kH36m;
  EXPECT_EQ(camera_set_names(data), (std::vector<std::string>{"seen", "permuted"}));
}

}  // namespace
}  // namespace mvpose3d
