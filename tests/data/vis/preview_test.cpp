// The preview montage (OpenCV builds only).
#include "mvpose3d/data/vis/preview.h"

#include "mvpose3d/data/synthetic/synthetic_dataset.h"

#include <gtest/gtest.h>

#include "data/synthetic/test_util.h"

namespace mvpose3d {
namespace {

TEST(Preview, EncodesAPngMontage) {
  const DataConfig data = mvpose3d::testing::small_synthetic_config();
  const SyntheticDataset dataset(data, 0, synthetic_train_split(data));
  const std::string png = preview_png({dataset.get(0), dataset.get(1)}, dataset.skeleton(), {});
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
}

}  // namespace
}  // namespace mvpose3d
