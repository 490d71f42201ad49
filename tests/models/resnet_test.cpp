// ResNet encoders: torchvision's names and shapes, equivalence with torchvision, state dicts and
// checkpoints.
#include "mvpose3d/models/resnet.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/models/state_dict.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>

#include <gtest/gtest.h>
#include <torch/serialize.h>

#include "models/model_test_util.h"

namespace mvpose3d::models {
namespace {

using mvpose3d::testing::TempDir;

int64_t count_parameters(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

TEST(ResNet, ParameterCountsMatchTorchvision) {
  // torchvision's numbers without the classifier (fc: 512·1000 + 1000 or 2048·1000 + 1000).
  const std::pair<int64_t, int64_t> expected[] = {
      {18, 11689512 - 513000}, {34, 21797672 - 513000}, {50, 25557032 - 2049000}};
  for (const auto& [depth, params] : expected) {
    ResNetEncoder enc(ResNetOptions{depth});
    EXPECT_EQ(count_parameters(*enc), params) << "resnet" << depth;
  }
}

TEST(ResNet, KeyNamesAreTorchvisions) {
  ResNetEncoder enc(ResNetOptions{50});
  std::set<std::string> keys;
  for (const auto& [k, v] : state_dict(*enc)) keys.insert(k);
  for (const char* k : {"conv1.weight",
                        "bn1.running_var",
                        "bn1.num_batches_tracked",
                        "layer1.0.downsample.0.weight",
                        "layer1.0.downsample.1.running_mean",
                        "layer3.5.conv3.weight",
                        "layer4.2.bn3.bias"}) {
    EXPECT_TRUE(keys.count(k)) << k;
  }
  EXPECT_FALSE(keys.count("layer1.1.downsample.0.weight"));
  EXPECT_EQ(keys.size(), 318u);  // torchvision resnet50 state_dict: 320 entries with fc
}

TEST(ResNet, OutputShapesAndStride) {
  torch::NoGradGuard no_grad;
  for (int64_t stages : {1, 2, 3, 4}) {
    ResNetOptions o(18);
    o.width(8).stages(stages);
    ResNetEncoder enc(o);
    enc->eval();
    const auto y = enc(torch::randn({2, 3, 64, 64}));
    EXPECT_EQ(y.sizes(),
              (std::vector<int64_t>{2, o.out_channels(), 64 / o.stride(), 64 / o.stride()}));
  }
  ResNetOptions b(ResNetBlock::kBottleneck, {1, 1, 1, 1});
  b.width(4);
  EXPECT_EQ(ResNetEncoder(b)(torch::randn({1, 3, 64, 64})).sizes(),
            (std::vector<int64_t>{1, 128, 2, 2}));
  EXPECT_EQ(ResNetOptions(152).name(), "resnet152");
  EXPECT_EQ(b.name(), "resnet(bottleneck,[1,1,1,1],width=4,stages=4)");
}

TEST(ResNet, UnknownBackboneListsKnownNames) {
  try {
    resnet_options_from_name("resnet42");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("resnet18, resnet34, resnet50, resnet101, resnet152"),
              std::string::npos)
        << e.what();
  }
}

// Exports a randomly initialised torchvision ResNet with an input and its features, loads it, and
// compares the features of every stage.
void check_torchvision_equivalence(const std::string& script_args, const ResNetOptions& options) {
  TempDir dir;
  const std::string python = mvpose3d::testing::python_executable();
  const auto script = mvpose3d::testing::source_dir() / "scripts" / "export_torchvision_resnet.py";
  const std::string cmd = fmt::format(
      "'{}' '{}' {} --random --seed 3 --out '{}' --check-out '{}' --input-size 64 --batch 2 "
      "> '{}' 2>&1",
      python,
      script.string(),
      script_args,
      (dir / "w.pt").string(),
      (dir / "check.pt").string(),
      (dir / "log.txt").string());
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << std::ifstream(dir / "log.txt").rdbuf();
  ResNetEncoder enc(options);
  const auto info = load_torchvision_resnet(enc, dir / "w.pt");
  EXPECT_EQ(info.tensors_loaded, static_cast<int64_t>(state_dict(*enc).size()));
  EXPECT_EQ(info.source, "random(seed=3)");
  enc->eval();

  std::ifstream in(dir / "check.pt", std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto check = torch::pickle_load(bytes).toGenericDict();
  const auto input = check.at("input").toTensor();
  const auto stages = check.at("stages").toList();
  torch::NoGradGuard no_grad;
  const auto ours = enc->forward_stages(input);
  ASSERT_EQ(ours.size(), stages.size());
  for (size_t s = 0; s < ours.size(); ++s) {
    const auto ref = stages.get(s).toTensor();
    ASSERT_EQ(ours[s].sizes(), ref.sizes()) << "stage " << s + 1;
    const double err = (ours[s] - ref).abs().max().item<double>();
    const double scale = ref.abs().max().item<double>();
    EXPECT_LT(err, 1e-4 * std::max(1.0, scale))
        << "layer" << s + 1 << ": max |ours - torchvision| = " << err << " (max |ref| " << scale
        << ")";
  }
}

TEST(ResNet, ReproducesTorchvisionResNet18) {
  const std::string why = mvpose3d::testing::torchvision_unavailable();
  if (!why.empty()) GTEST_SKIP() << "torchvision equivalence not checked: " << why;
  check_torchvision_equivalence("--arch resnet18", ResNetOptions(18));
}

TEST(ResNet, ReproducesTorchvisionBottleneckResNet) {
  const std::string why = mvpose3d::testing::torchvision_unavailable();
  if (!why.empty()) GTEST_SKIP() << "torchvision equivalence not checked: " << why;
  // torchvision's ResNet(Bottleneck, [1, 1, 1, 1]): the ResNet-50..152 block at a tenth the cost.
  check_torchvision_equivalence("--arch custom --block bottleneck --layers 1,1,1,1",
                                ResNetOptions(ResNetBlock::kBottleneck, {1, 1, 1, 1}));
}

TEST(ResNet, TorchvisionFileOfAnotherDepthIsRefused) {
  const std::string why = mvpose3d::testing::torchvision_unavailable();
  if (!why.empty()) GTEST_SKIP() << "torchvision export not checked: " << why;
  TempDir dir;
  const auto script = mvpose3d::testing::source_dir() / "scripts" / "export_torchvision_resnet.py";
  const std::string cmd = fmt::format(
      "'{}' '{}' --arch custom --block basic --layers 1,1,1,1 --random --out '{}' > /dev/null 2>&1",
      mvpose3d::testing::python_executable(),
      script.string(),
      (dir / "w.pt").string());
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ResNetEncoder enc(ResNetOptions(18));
  try {
    load_torchvision_resnet(enc, dir / "w.pt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("but the encoder is resnet18"), std::string::npos)
        << e.what();
  }
  // With stages = 1 only layer1 must match (1 block in the file, 2 in ResNet-18: still refused);
  // a [1, 1, 1, 1] encoder with 2 stages accepts the file and ignores layer3 and layer4.
  ResNetOptions two(ResNetBlock::kBasic, {1, 1, 1, 1});
  two.stages(2);
  ResNetEncoder enc2(two);
  EXPECT_NO_THROW(load_torchvision_resnet(enc2, dir / "w.pt"));
}

TEST(StateDict, CheckpointRoundTrip) {
  TempDir dir;
  ResNetOptions o(18);
  o.width(8);
  ResNetEncoder a(o), b(o);
  // Make the buffers differ from their initial values too.
  a->train();
  a(torch::randn({2, 3, 32, 32}));
  save_checkpoint(*a, dir / "a.pt", "resnet18/8", {{"step", "12"}});
  const auto info = load_checkpoint(*b, dir / "a.pt", "resnet18/8");
  EXPECT_EQ(info.version, kCheckpointVersion);
  EXPECT_EQ(info.architecture, "resnet18/8");
  EXPECT_EQ(info.metadata.at("step"), "12");
  const auto sa = state_dict(*a), sb = state_dict(*b);
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_TRUE(sa[i].second.equal(sb[i].second)) << sa[i].first;
  }
  EXPECT_EQ(read_checkpoint_info(dir / "a.pt").metadata.at("step"), "12");
}

TEST(StateDict, WrongArchitectureIsRefusedNamingTheKey) {
  TempDir dir;
  ResNetOptions small(18), wide(18), deep(34);
  small.width(8);
  wide.width(16);
  deep.width(8);
  save_checkpoint(*ResNetEncoder(small), dir / "small.pt", "resnet18/8");
  try {
    ResNetEncoder w(wide);
    load_checkpoint(*w, dir / "small.pt", "resnet18/16");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("key 'conv1.weight' has shape [16, 3, 7, 7] here, [8, 3, 7, 7] in the file"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("saved from [resnet18/8], this model is [resnet18/16]"), std::string::npos)
        << m;
  }
  try {
    ResNetEncoder d(deep);
    load_checkpoint(*d, dir / "small.pt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("key 'layer1.2.conv1.weight' is missing"),
              std::string::npos)
        << e.what();
  }
  ResNetOptions shallow = small;
  shallow.stages(3);
  try {
    ResNetEncoder s(shallow);
    load_checkpoint(*s, dir / "small.pt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unexpected key 'layer4.0.conv1.weight'"),
              std::string::npos)
        << e.what();
  }
}

TEST(StateDict, NotACheckpointIsRefused) {
  TempDir dir;
  { std::ofstream(dir / "junk.pt") << "not a checkpoint"; }
  ResNetEncoder enc(ResNetOptions(18).width(8));
  EXPECT_THROW(load_checkpoint(*enc, dir / "junk.pt"), Error);
  EXPECT_THROW(load_checkpoint(*enc, dir / "missing.pt"), Error);
}

}  // namespace
}  // namespace mvpose3d::models
