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

TEST(ConfigRules, EvalViewCountsNeedAFusionThatTakesAnyCount) {
  RunConfig c = default_config();  // canonical fusion with concat pooling, 4 views
  c.eval.view_counts = {2, 4};     // 4 = data.num_views: every fusion takes it
  std::vector<std::string> messages = validate(c);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0],
            "eval.view_counts[0] gives 2 cameras, but the network was trained on data.num_views = "
            "4 and model.fusion = canonical with model.canonical_pooling = concat concatenates the "
            "views' codes in 4 fixed slots, so it runs on 4 cameras only; the Baseline "
            "(model.fusion = none) and the symmetric canonical fusion (model.canonical_pooling = "
            "mean) take any number");
  c.model.fusion = FusionMode::kFusion;
  messages = validate(c);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("model.fusion = fusion concatenates"), std::string::npos);
  EXPECT_FALSE(model_takes_any_view_count(c.model));

  c.model.fusion = FusionMode::kNone;
  EXPECT_TRUE(validate(c).empty());
  EXPECT_TRUE(model_takes_any_view_count(c.model));
  c.model.fusion = FusionMode::kCanonical;
  c.model.canonical_pooling = CanonicalPooling::kMean;
  EXPECT_TRUE(validate(c).empty());
  c.model.equivariant = true;
  EXPECT_TRUE(validate(c).empty());
}

TEST(ConfigRules, LoadingChecksEvalViewCounts) {
  ScratchDir dir;
  const auto file = dir.write("c.yaml",
                              "model:\n  fusion: none\neval:\n  camera_sets: [unseen]\n"
                              "  view_counts: [2, 3, 6, 8]\n");
  EXPECT_EQ(load_config(file).eval.view_counts, (std::vector<int>{2, 3, 6, 8}));
  const auto error_of = [&](const std::vector<std::string>& overrides) {
    try {
      load_config(file, overrides);
    } catch (const ConfigError& e) {
      return e.messages();
    }
    return std::vector<std::string>{};
  };
  // A camera count below 2 or above the limit, an order that is not increasing (no set twice).
  std::vector<std::string> messages = error_of({"eval.view_counts=[1, 8]"});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("--set eval.view_counts=[1, 8]"), std::string::npos) << messages[0];
  EXPECT_NE(messages[0].find("eval.view_counts[0]"), std::string::npos) << messages[0];
  messages = error_of({"eval.view_counts=[2, 65]"});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("<= 64"), std::string::npos) << messages[0];
  messages = error_of({"eval.view_counts=[8, 2]"});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_NE(messages[0].find("strictly increasing"), std::string::npos) << messages[0];
  // Another dataset: its cameras are fixed.
  messages = error_of({"data.type=h36m", "eval.camera_sets=[seen]"});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].rfind("--set data.type=h36m: ", 0), 0u) << messages[0];
  EXPECT_NE(messages[0].find("eval.view_counts needs data.type = synthetic (it is 'h36m')"),
            std::string::npos)
      << messages[0];
  // The concatenating fusion: one message per count it cannot take, placed at the value that
  // broke the rule.
  messages = error_of({"model.fusion=fusion"});
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0].rfind("--set model.fusion=fusion: ", 0), 0u) << messages[0];
  EXPECT_NE(messages[0].find("eval.view_counts[0] gives 2 cameras"), std::string::npos)
      << messages[0];
}

}  // namespace
}  // namespace mvpose3d
