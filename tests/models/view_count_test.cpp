// The rule for running a trained network on another camera count (view_count.h): refused for the
// concatenating fusions with a message naming the key that gave the count, accepted for the
// Baseline and the symmetric canonical fusion (that those run on any V: pose_net_test.cpp,
// SymmetricFusionTakesAnyNumberOfViews; end to end on 2 and 8 views: run_evaluation_test.cpp).
#include "mvpose3d/models/view_count.h"

#include "mvpose3d/core/error.h"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "models/model_test_util.h"

namespace mvpose3d::models {
namespace {

using testing::tiny_model_config;

ModelConfig symmetric_canonical(bool equivariant) {
  ModelConfig c = tiny_model_config("canonical");
  c.canonical_pooling = CanonicalPooling::kMean;
  c.view_shortcut = true;
  c.equivariant = equivariant;
  return c;
}

// The message of the UsageError the rule throws, or "" when it accepts.
std::string refusal(const ModelConfig& config, int64_t trained, int64_t given) {
  try {
    require_view_count_supported(config, trained, given, "eval.view_counts[1]");
    return "";
  } catch (const UsageError& e) {
    return e.what();
  }
}

TEST(ViewCount, ConcatenatingFusionsAreRefusedNamingTheKey) {
  const std::string fusion = refusal(tiny_model_config("fusion"), 4, 8);
  EXPECT_NE(fusion.find("eval.view_counts[1] gives 8 cameras"), std::string::npos) << fusion;
  EXPECT_NE(fusion.find("data.num_views = 4"), std::string::npos) << fusion;
  EXPECT_NE(fusion.find("model.fusion = fusion"), std::string::npos) << fusion;

  ModelConfig concat = tiny_model_config("canonical");
  concat.canonical_pooling = CanonicalPooling::kConcat;
  const std::string canonical = refusal(concat, 4, 2);
  EXPECT_NE(canonical.find("eval.view_counts[1] gives 2 cameras"), std::string::npos) << canonical;
  EXPECT_NE(canonical.find("model.canonical_pooling = concat"), std::string::npos) << canonical;
  // Their own camera count is fine.
  EXPECT_EQ(refusal(tiny_model_config("fusion"), 4, 4), "");
  EXPECT_EQ(refusal(concat, 4, 4), "");
}

TEST(ViewCount, BaselineAndSymmetricCanonicalFusionTakeAnyCount) {
  for (const int64_t views : {1, 2, 3, 6, 8}) {
    EXPECT_EQ(refusal(tiny_model_config("none"), 4, views), "") << views;
    EXPECT_EQ(refusal(symmetric_canonical(false), 4, views), "") << views;
    EXPECT_EQ(refusal(symmetric_canonical(true), 4, views), "") << views;
  }
  EXPECT_NE(refusal(tiny_model_config("none"), 4, 0).find("at least 1"), std::string::npos);
}

}  // namespace
}  // namespace mvpose3d::models
