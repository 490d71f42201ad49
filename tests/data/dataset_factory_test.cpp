// make_dataset: camera sets by name, clear errors, and the permuted view order.
#include "mvpose3d/data/dataset_factory.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/skeleton.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "data/synthetic/test_util.h"

namespace mvpose3d {
namespace {

TEST(DatasetFactory, PermutedIsTheSeenSetInReversedViewOrder) {
  DataConfig data = testing::small_synthetic_config();
  const auto seen = make_dataset(data, 3, "test", "seen");
  const auto permuted = make_dataset(data, 3, "test", "permuted");
  ASSERT_EQ(seen->size(), permuted->size());
  const MultiviewSample a = seen->get(2);
  const MultiviewSample b = permuted->get(2);
  const int V = a.num_views();
  ASSERT_EQ(b.num_views(), V);
  for (int v = 0; v < V; ++v) {
    const int w = V - 1 - v;
    EXPECT_TRUE(at::equal(b.images[v], a.images[w])) << "view " << v;
    EXPECT_TRUE(at::equal(b.joints_2d_px[v], a.joints_2d_px[w]));
    EXPECT_TRUE(at::equal(b.visibility[v], a.visibility[w]));
    EXPECT_TRUE(b.cameras[v].proj_from_world().isApprox(a.cameras[w].proj_from_world()));
  }
  EXPECT_TRUE(at::equal(a.joints_world_mm, b.joints_world_mm));
}

TEST(DatasetFactory, UnknownNamesAreRefusedWithTheKnownOnes) {
  DataConfig data = testing::small_synthetic_config();
  try {
    make_dataset(data, 0, "test", "sideways");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sideways"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("rotated"), std::string::npos);
  }
  EXPECT_THROW(make_dataset(data, 0, "validation"), Error);
  EXPECT_THROW(make_dataset(data, 0, "train", "unseen"), Error);
}

// The readers find data.joints' skeleton by its config name: every name is a skeleton's.
TEST(DatasetFactory, EveryJointSetNamesASkeleton) {
  for (const std::string& name : enum_names<JointSet>()) {
    EXPECT_EQ(skeleton_by_name(name).name, name);
  }
}

}  // namespace
}  // namespace mvpose3d
