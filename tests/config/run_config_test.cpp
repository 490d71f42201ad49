// RunConfig loading: the acceptance case, inheritance, --set overrides, round trips, file errors,
// and the generated files (configs/default.yaml, docs/config_reference.md) being in sync.
#include "mvpose3d/config/run_config.h"

#include "mvpose3d/core/file_io.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config_test_util.h"

namespace mvpose3d {
namespace {

namespace fs = std::filesystem;
using testing_config::ScratchDir;
using testing_config::source_dir;

fs::path fixture(const std::string& name) {
  return source_dir() / "tests/config/files" / name;
}

// The messages of the ConfigError that loading throws (fails the test when nothing is thrown).
std::vector<std::string> load_errors(const fs::path& file,
                                     const std::vector<std::string>& overrides = {}) {
  try {
    load_config(file, overrides);
  } catch (const ConfigError& e) {
    return e.messages();
  }
  ADD_FAILURE() << "loading " << file << " did not throw";
  return {};
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' not found in:\n" << text;
}

TEST(RunConfig, AcceptanceUnknownKeyWrongTypeAndRangeGiveThreeErrors) {
  const fs::path file = fixture("bad.yaml");
  const std::string f = file.lexically_normal().string();
  EXPECT_THROW(load_config(file), ConfigError);
  try {
    load_config(file);
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.messages().size(), 3u) << e.what();
    EXPECT_EQ(e.messages()[0],
              f + ":4:3: unknown key 'model.backbonee' (did you mean 'model.backbone'?)");
    EXPECT_EQ(e.messages()[1], f + ":7:3: train.batch_size: expected an integer, got 'abc'");
    EXPECT_EQ(
        e.messages()[2],
        f + ":10:5: train.optimizer.lr = -0.001; violated constraint: train.optimizer.lr > 0");
    EXPECT_EQ(std::string(e.what()),
              "3 errors in the configuration:\n" + e.messages()[0] + "\n" + e.messages()[1] + "\n" +
                  e.messages()[2]);
  }
  // ConfigError is a UsageError: the command-line tool exits with status 2.
  EXPECT_THROW(load_config(file), UsageError);
}

TEST(RunConfig, DefaultConfigValidates) {
  EXPECT_TRUE(validate(default_config()).empty());
  EXPECT_EQ(default_config(), RunConfig{});
  RunConfig bad;
  bad.train.optimizer.momentum = 1.0;
  bad.model.deconv_kernel = 5;
  const auto errors = validate(bad);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0],
            "model.deconv_kernel = 5; violated constraint: model.deconv_kernel in {2, 3, 4}");
  EXPECT_EQ(
      errors[1],
      "train.optimizer.momentum = 1.0; violated constraint: 0 <= train.optimizer.momentum < 1");
}

TEST(RunConfig, DefaultYamlIsGeneratedAndComplete) {
  const fs::path file = source_dir() / "configs/default.yaml";
  EXPECT_EQ(read_text_file(file), default_config_yaml())
      << "configs/default.yaml is out of date: run "
         "`mvpose3d check-config --defaults > configs/default.yaml`";
  const LoadedConfig loaded = load_config_with_origins(file);
  RunConfig expected = default_config();
  expected.name = "default";  // the file stem
  EXPECT_EQ(loaded.config, expected);
  // Every key is written in the file (none falls back to a built-in default).
  for (const std::string key : {"version",
                                "seed",
                                "data.synthetic.symmetric_appearance",
                                "train.schedule.milestones",
                                "eval.camera_sets[0]"}) {
    EXPECT_EQ(loaded.origins.count(key), 1u) << key;
  }
}

TEST(RunConfig, ReferenceDocIsInSync) {
  EXPECT_EQ(read_text_file(source_dir() / "docs/config_reference.md"), config_reference_markdown())
      << "docs/config_reference.md is out of date: run "
         "`mvpose3d check-config --reference > docs/config_reference.md`";
}

TEST(RunConfig, ShippedConfigsLoad) {
  int count = 0;
  for (const auto& dir : {source_dir() / "configs", source_dir() / "configs/_base_"}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".yaml") continue;
      EXPECT_NO_THROW(load_config(entry.path())) << entry.path();
      ++count;
    }
  }
  EXPECT_GE(count, 3);
}

TEST(RunConfig, BasesApplyInOrderRelativeToTheIncludingFile) {
  const fs::path file = fixture("inherit/child.yaml");
  const LoadedConfig loaded = load_config_with_origins(file);
  const RunConfig& c = loaded.config;
  EXPECT_EQ(c.seed, 11);           // common.yaml, base of first.yaml (relative to parts/)
  EXPECT_EQ(c.data.num_views, 5);  // first.yaml over common.yaml
  EXPECT_EQ(c.data.train_subjects, std::vector<std::string>{"S7"});  // a list is replaced whole
  EXPECT_EQ(c.train.steps, 300);                                     // common.yaml
  EXPECT_EQ(to_string(c.train.optimizer.type), "sgd");  // first.yaml; the same section's lr ...
  EXPECT_EQ(c.train.optimizer.lr, 0.01);                // ... from second.yaml, which comes later
  EXPECT_EQ(c.train.optimizer.momentum, 0.5);           // child.yaml
  EXPECT_EQ(c.eval.samples, 7);                         // child.yaml over second.yaml
  EXPECT_EQ(c.train.batch_size, RunConfig{}.train.batch_size);  // nobody sets it
  EXPECT_EQ(loaded.name, "child");
  EXPECT_EQ(c.name, "child");

  const std::string parts = fixture("inherit/parts").lexically_normal().string();
  EXPECT_EQ(loaded.origins.at("seed"), parts + "/common.yaml:1:1");
  EXPECT_EQ(loaded.origins.at("train.optimizer.lr"), parts + "/second.yaml:5:5");
  EXPECT_EQ(loaded.origins.at("data.train_subjects[0]"), parts + "/second.yaml:2:20");
  EXPECT_EQ(loaded.origins.count("data.train_subjects[1]"), 0u);  // replaced, not merged
  EXPECT_EQ(loaded.origins.count("train.batch_size"), 0u);        // default
}

TEST(RunConfig, ViolationsNameTheFileTheValueCameFrom) {
  ScratchDir dir;
  dir.write("sub/base.yaml", "train:\n  steps: 0\n  batch_size: 0\n");
  const fs::path child = dir.write("child.yaml", "base: sub/base.yaml\ntrain: {steps: 5}\n");
  const auto errors = load_errors(child);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            (dir.path() / "sub/base.yaml").string() +
                ":3:3: train.batch_size = 0; violated constraint: train.batch_size > 0");
  const auto from_set = load_errors(child, {"train.steps=-3"});
  ASSERT_EQ(from_set.size(), 2u);
  EXPECT_EQ(from_set[1],
            "--set train.steps=-3: train.steps = -3; violated constraint: train.steps > 0");
}

TEST(RunConfig, BaseCycleIsAnErrorNamingTheChain) {
  const auto errors = load_errors(fixture("cycle_a.yaml"));
  const std::string a = fixture("cycle_a.yaml").lexically_normal().string();
  const std::string b = fixture("cycle_b.yaml").lexically_normal().string();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], b + ":1:8: base cycle: " + a + " -> " + b + " -> " + a);

  ScratchDir dir;
  const fs::path self = dir.write("self.yaml", "base: ./self.yaml\n");
  EXPECT_TRUE(
      contains(load_errors(self).at(0), "base cycle: " + self.string() + " -> " + self.string()));
}

TEST(RunConfig, DiamondBasesAreNotACycle) {
  ScratchDir dir;
  dir.write("common.yaml", "seed: 1\n");
  dir.write("left.yaml", "base: common.yaml\nthreads: 2\n");
  dir.write("right.yaml", "base: common.yaml\ndeterministic: true\n");
  const RunConfig c = load_config(dir.write("top.yaml", "base: [left.yaml, right.yaml]\n"));
  EXPECT_EQ(c.seed, 1);
  EXPECT_EQ(c.threads, 2);
  EXPECT_TRUE(c.deterministic);
}

TEST(RunConfig, BadBaseEntries) {
  ScratchDir dir;
  const fs::path file = dir.write("x.yaml", "base: [nope.yaml, {a: 1}, '']\nseed: 1\n");
  const std::string f = file.string();
  const auto errors = load_errors(file);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(
      errors[0],
      f + ":1:8: cannot load base file: " + (dir.path() / "nope.yaml").string() + ": no such file");
  EXPECT_EQ(errors[1], f + ":1:19: base: expected a file name, got a map");
  EXPECT_EQ(errors[2], f + ":1:27: base: empty file name");
  const auto nested = load_errors(dir.write("y.yaml", "data:\n  base: x.yaml\n"));
  EXPECT_TRUE(contains(nested.at(0), "unknown key 'data.base'"));
}

TEST(RunConfig, SetOverrides) {
  ScratchDir dir;
  const fs::path file = dir.write("x.yaml", "train:\n  steps: 10\n");
  const LoadedConfig loaded = load_config_with_origins(
      file,
      {"train.steps=20",                        // scalar, over the file
       "data.train_subjects=[S1, S9]",          // list
       "train.optimizer={type: sgd, lr: 0.5}",  // a nested section, merged key by key
       "model.pretrained=",                     // empty string
       "name=my run",                           // a plain string with a space
       "model.backbone=resnet18",
       "model.backbone=resnet34"});  // later wins
  const RunConfig& c = loaded.config;
  EXPECT_EQ(c.train.steps, 20);
  EXPECT_EQ(c.data.train_subjects, (std::vector<std::string>{"S1", "S9"}));
  EXPECT_EQ(to_string(c.train.optimizer.type), "sgd");
  EXPECT_EQ(c.train.optimizer.lr, 0.5);
  EXPECT_EQ(c.train.optimizer.momentum, OptimizerConfig{}.momentum);
  EXPECT_EQ(c.model.pretrained, "");
  EXPECT_EQ(c.name, "my run");
  EXPECT_EQ(to_string(c.model.backbone), "resnet34");
  EXPECT_EQ(loaded.origins.at("train.steps"), "--set train.steps=20");
  EXPECT_EQ(loaded.origins.at("data.train_subjects[1]"), "--set data.train_subjects=[S1, S9]");

  // Overrides alone, onto the defaults.
  EXPECT_EQ(load_config("", {"seed=5"}).seed, 5);
}

TEST(RunConfig, BadSetOverrides) {
  ScratchDir dir;
  const fs::path file = dir.write("x.yaml", "");
  const auto errors = load_errors(file,
                                  {"train.steps",
                                   "=5",
                                   "train..steps=5",
                                   "model.backbonee=resnet18",
                                   "train.lr=0.1",
                                   "train.steps=abc",
                                   "train.steps=[1",
                                   "base=other.yaml",
                                   "model.backbone=resnet5",
                                   "train.optimizer.lr=0"});
  ASSERT_EQ(errors.size(), 10u);
  EXPECT_EQ(errors[0],
            "--set train.steps: expected KEY=VALUE, e.g. --set train.optimizer.lr=0.001");
  EXPECT_EQ(errors[1], "--set =5: empty key before '=' (expected KEY=VALUE)");
  EXPECT_EQ(errors[2],
            "--set train..steps=5: malformed key 'train..steps' (expected names separated by '.')");
  EXPECT_EQ(errors[3],
            "--set model.backbonee=resnet18: unknown key 'model.backbonee' (did you mean "
            "'model.backbone'?)");
  EXPECT_EQ(errors[4],
            "--set train.lr=0.1: unknown key 'train.lr' (did you mean 'train.optimizer.lr'?)");
  EXPECT_EQ(errors[5], "--set train.steps=abc: train.steps: expected an integer, got 'abc'");
  EXPECT_TRUE(contains(errors[6], "--set train.steps=[1: invalid YAML value '[1': "));
  EXPECT_EQ(errors[7], "--set base=other.yaml: unknown key 'base'");
  EXPECT_EQ(errors[8],
            "--set model.backbone=resnet5: model.backbone = 'resnet5'; violated constraint: "
            "model.backbone in {resnet18, resnet34, resnet50, resnet101, resnet152} (did you mean "
            "'resnet50'?)");
  EXPECT_EQ(errors[9],
            "--set train.optimizer.lr=0: train.optimizer.lr = 0.0; violated constraint: "
            "train.optimizer.lr > 0");
}

TEST(RunConfig, RoundTrip) {
  RunConfig c = default_config();
  c.name = "round trip";
  c.seed = 1234567890123LL;
  c.deterministic = true;
  c.data.type = DatasetType::kH36m;
  c.data.root = "/data/h36m: with colon";
  c.data.train_subjects = {"S1", "null"};  // a string that YAML would read as null unquoted
  c.data.test_subjects = {};
  c.data.synthetic.blur_prob = 1.0 / 3.0;
  c.model.pretrained = "";
  c.train.optimizer.lr = 3e-4;
  c.train.schedule.type = ScheduleType::kSteps;
  c.train.schedule.milestones = {100, 2000};
  c.train.loss.weight_3d = 0.1 + 0.2;
  c.eval.camera_sets = {"seen", "permuted"};  // the camera sets of data.type h36m (rules.h)
  ASSERT_TRUE(validate(c).empty());

  ScratchDir dir;
  const fs::path file = dir.write("resolved.yaml", to_yaml(c));
  const RunConfig loaded = load_config(file);
  EXPECT_EQ(loaded, c) << to_yaml(c);
  EXPECT_EQ(to_yaml(loaded), to_yaml(c));

  // And from a loaded config: to_yaml(load(x)) loads back equal.
  const RunConfig child = load_config(fixture("inherit/child.yaml"));
  EXPECT_EQ(load_config(dir.write("child_resolved.yaml", to_yaml(child))), child);
}

TEST(RunConfig, ToYamlCommentsEveryKey) {
  const std::string text = to_yaml(default_config());
  EXPECT_TRUE(contains(text, "lr: 0.001  # base learning rate (> 0)\n"));
  EXPECT_TRUE(contains(text, "\ntrain:  # training\n  steps: 10000  # optimiser steps (> 0)\n"));
  EXPECT_TRUE(contains(text, "backbone: resnet50  # ResNet encoder (one of: resnet18, "));
}

TEST(RunConfig, MalformedYamlGivesFileLineColumn) {
  const auto errors = load_errors(fixture("malformed.yaml"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0],
            fixture("malformed.yaml").lexically_normal().string() +
                ":4:12: invalid YAML: end of sequence flow not found");

  ScratchDir dir;
  const fs::path tab = dir.write("tab.yaml", "train:\n\tsteps: 5\n");
  EXPECT_TRUE(contains(load_errors(tab).at(0), tab.string() + ":2:7: invalid YAML: "));
  const fs::path two = dir.write("two.yaml", "seed: 1\n---\nseed: 2\n");
  EXPECT_EQ(load_errors(two).at(0), two.string() + ":3:1: expected one YAML document, found 2");
  const fs::path list = dir.write("list.yaml", "- seed: 1\n");
  EXPECT_EQ(load_errors(list).at(0),
            list.string() + ":1:1: expected a map of config keys at the top level, got a list");
  const fs::path dup = dir.write("dup.yaml", "seed: 1\ntrain:\n  steps: 2\nseed: 3\n");
  EXPECT_EQ(load_errors(dup).at(0), dup.string() + ":4:1: duplicate key 'seed'");
}

TEST(RunConfig, MissingFileOrDirectoryNamesThePath) {
  ScratchDir dir;
  const fs::path missing = dir.path() / "missing.yaml";
  const auto errors = load_errors(missing);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], missing.string() + ": no such file");
  EXPECT_EQ(load_errors(dir.path()).at(0),
            dir.path().string() + ": is a directory, expected a file");
}

TEST(RunConfig, EmptyFileGivesDefaultsNamedAfterTheFile) {
  ScratchDir dir;
  const RunConfig c = load_config(dir.write("exp_42.yaml", "# nothing yet\n"));
  RunConfig expected;
  expected.name = "exp_42";
  EXPECT_EQ(c, expected);
  EXPECT_EQ(load_config(dir.write("named.yaml", "name: given\n")).name, "given");
}

TEST(RunConfig, VersionMustBeOne) {
  ScratchDir dir;
  const fs::path file = dir.write("v.yaml", "version: 2\n");
  EXPECT_EQ(load_errors(file).at(0),
            file.string() + ":1:1: version = 2; violated constraint: version in {1}");
}

TEST(RunConfig, ErrorsAreGroupedBySourceInApplicationOrder) {
  ScratchDir dir;
  dir.write("base.yaml", "seed: -1\ntrain: {stepz: 1}\n");
  const fs::path top = dir.write("top.yaml", "base: base.yaml\nthreads: x\n");
  const auto errors = load_errors(top, {"eval.samples=0"});
  const std::string b = (dir.path() / "base.yaml").string();
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0], b + ":1:1: seed = -1; violated constraint: seed >= 0");
  EXPECT_EQ(errors[1], b + ":2:9: unknown key 'train.stepz' (did you mean 'train.steps'?)");
  EXPECT_EQ(errors[2], top.string() + ":2:1: threads: expected an integer, got 'x'");
  EXPECT_EQ(errors[3],
            "--set eval.samples=0: eval.samples = 0; violated constraint: eval.samples > 0");
}

}  // namespace
}  // namespace mvpose3d
