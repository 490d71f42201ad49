// MultiviewLoader: order, epochs, shuffling and worker-count independence on a toy dataset.
#include "mvpose3d/data/loader.h"

#include "mvpose3d/core/error.h"

#include <algorithm>
#include <set>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace mvpose3d {
namespace {

// Sample i: every value is i; index 13 fails when `fail13` is set.
class ToyDataset : public MultiviewDataset {
 public:
  explicit ToyDataset(std::int64_t n, bool fail13 = false) : n_(n), fail13_(fail13) {}
  std::int64_t size() const override { return n_; }
  MultiviewSample get(std::int64_t i) const override {
    if (fail13_ && i == 13) throw Error("toy: sample 13 is broken");
    MultiviewSample s;
    s.images = at::full({2, 3, 4, 4}, i % 256, at::kByte);
    Intrinsics in;
    in.width = in.height = 4;
    s.cameras = {Camera::from_center(in, Eigen::Matrix3d::Identity(), Eigen::Vector3d(0, 0, -1)),
                 Camera::from_center(in, Eigen::Matrix3d::Identity(), Eigen::Vector3d(1, 0, -1))};
    s.crop_from_original.assign(2, Eigen::Matrix<double, 2, 3>::Identity());
    s.joints_world_mm = at::full({17, 3}, static_cast<double>(i), at::kDouble);
    s.joints_2d_px = at::zeros({2, 17, 2}, at::kDouble);
    s.visibility = at::ones({2, 17}, at::kFloat);
    s.index = i;
    return s;
  }
  const Skeleton& skeleton() const override { return h36m17_skeleton(); }
  int num_views() const override { return 2; }
  int image_size_px() const override { return 4; }
  std::vector<std::string> subject_names() const override { return {"toy"}; }
  std::vector<std::string> action_names() const override { return {"none"}; }

 private:
  std::int64_t n_;
  bool fail13_;
};

std::vector<std::int64_t> indices_of(const MultiviewBatch& b) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < b.size(); ++i) out.push_back(b.index[i].item<std::int64_t>());
  return out;
}

TEST(MultiviewLoader, SequentialEpochsWithoutShuffle) {
  LoaderOptions o;
  o.batch_size = 4;
  o.workers = 2;
  o.repeat = false;
  MultiviewLoader loader(std::make_shared<ToyDataset>(10), o);
  EXPECT_EQ(loader.batches_per_epoch(), 3);
  EXPECT_EQ(indices_of(*loader.next()), (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(indices_of(*loader.next()), (std::vector<std::int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(indices_of(*loader.next()), (std::vector<std::int64_t>{8, 9}));
  EXPECT_FALSE(loader.next().has_value());
}

TEST(MultiviewLoader, DropLast) {
  LoaderOptions o;
  o.batch_size = 4;
  o.workers = 0;
  o.drop_last = true;
  o.repeat = true;
  MultiviewLoader loader(std::make_shared<ToyDataset>(10), o);
  EXPECT_EQ(loader.batches_per_epoch(), 2);
  loader.next();
  loader.next();
  EXPECT_EQ(indices_of(*loader.next()), (std::vector<std::int64_t>{0, 1, 2, 3}));  // epoch 1
}

TEST(MultiviewLoader, ShuffleIsAPermutationPerEpochAndDiffersBetweenEpochs) {
  LoaderOptions o;
  o.batch_size = 5;
  o.workers = 0;
  o.shuffle = true;
  o.seed = 3;
  MultiviewLoader loader(std::make_shared<ToyDataset>(37), o);
  std::vector<std::int64_t> epoch0, epoch1;
  for (std::int64_t b = 0; b < loader.batches_per_epoch(); ++b) {
    for (auto i : loader.batch_indices(b)) epoch0.push_back(i);
    for (auto i : loader.batch_indices(b + loader.batches_per_epoch())) epoch1.push_back(i);
  }
  std::vector<std::int64_t> sorted = epoch0;
  std::sort(sorted.begin(), sorted.end());
  for (std::int64_t i = 0; i < 37; ++i) EXPECT_EQ(sorted[static_cast<std::size_t>(i)], i);
  EXPECT_EQ(std::set<std::int64_t>(epoch1.begin(), epoch1.end()).size(), 37u);
  EXPECT_NE(epoch0, epoch1);
}

TEST(MultiviewLoader, SameStreamWithAnyNumberOfWorkers) {
  std::vector<std::vector<std::int64_t>> streams;
  for (int workers : {0, 1, 3}) {
    LoaderOptions o;
    o.batch_size = 3;
    o.workers = workers;
    o.prefetch = 2;
    o.shuffle = true;
    o.seed = 11;
    MultiviewLoader loader(std::make_shared<ToyDataset>(20), o);
    std::vector<std::int64_t> stream;
    for (int b = 0; b < 17; ++b) {
      const MultiviewBatch batch = *loader.next();
      for (auto i : indices_of(batch)) stream.push_back(i);
      // Content matches the index (the right sample in the right slot).
      for (std::int64_t k = 0; k < batch.size(); ++k) {
        EXPECT_EQ(batch.joints_world_mm[k][0][0].item<double>(),
                  static_cast<double>(batch.index[k].item<std::int64_t>()));
      }
    }
    streams.push_back(stream);
  }
  EXPECT_EQ(streams[0], streams[1]);
  EXPECT_EQ(streams[0], streams[2]);
}

TEST(MultiviewLoader, StartBatchContinuesTheUninterruptedStream) {
  LoaderOptions o;
  o.batch_size = 3;
  o.workers = 2;
  o.shuffle = true;
  o.seed = 5;
  MultiviewLoader full(std::make_shared<ToyDataset>(20), o);
  std::vector<std::vector<std::int64_t>> expected;
  for (int b = 0; b < 12; ++b) expected.push_back(indices_of(*full.next()));
  o.start_batch = 8;  // inside the second epoch (7 batches per epoch)
  MultiviewLoader resumed(std::make_shared<ToyDataset>(20), o);
  for (int b = 8; b < 12; ++b) EXPECT_EQ(indices_of(*resumed.next()), expected[b]) << "batch " << b;
  o.start_batch = -1;
  EXPECT_THROW(MultiviewLoader(std::make_shared<ToyDataset>(20), o), Error);
}

TEST(MultiviewLoader, WorkerErrorsReachTheConsumer) {
  LoaderOptions o;
  o.batch_size = 4;
  o.workers = 2;
  MultiviewLoader loader(std::make_shared<ToyDataset>(20, /*fail13=*/true), o);
  loader.next();
  loader.next();
  loader.next();
  try {
    loader.next();  // batch 3 holds indices 12..15
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sample 13"), std::string::npos) << e.what();
  }
  EXPECT_EQ(indices_of(*loader.next()), (std::vector<std::int64_t>{16, 17, 18, 19}));
}

TEST(MultiviewLoader, RejectsBadOptions) {
  LoaderOptions o;
  o.batch_size = 0;
  EXPECT_THROW(MultiviewLoader(std::make_shared<ToyDataset>(5), o), Error);
  o.batch_size = 8;
  o.drop_last = true;
  EXPECT_THROW(MultiviewLoader(std::make_shared<ToyDataset>(5), o), Error);
}

// data.workers=100000 aborted the program ("terminate called without an active exception") when
// the system refused a thread: the count is bounded (core/limits.h) and refused with a message.
TEST(MultiviewLoader, HundredThousandWorkersIsAnErrorNotAnAbort) {
  LoaderOptions o;
  o.batch_size = 2;
  o.workers = 100000;
  try {
    MultiviewLoader loader(std::make_shared<ToyDataset>(5), o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "MultiviewLoader: workers must be in [0, 256], got 100000");
  }
}

}  // namespace
}  // namespace mvpose3d
