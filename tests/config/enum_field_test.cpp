// Enum fields (schema.h EnumNames): read and written by name, their one table giving the allowed
// values of messages, the "did you mean" hints and the reference.
#include "mvpose3d/config/data_config.h"
#include "mvpose3d/config/run_config.h"
#include "mvpose3d/config/schema.h"
#include "mvpose3d/config/yaml_io.h"
#include "mvpose3d/core/error.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config_test_util.h"

namespace mvpose3d {

enum class Pooling { kConcat, kMean };
template <>
struct EnumNames<Pooling> {
  static constexpr EnumName<Pooling> table[] = {{Pooling::kConcat, "concat"},
                                                {Pooling::kMean, "mean"}};
};

namespace {

using testing_config::ScratchDir;

struct Pooled {
  Pooling pooling = Pooling::kConcat;
  int views = 4;

  template <class Visitor>
  void visit(Visitor& v) {
    v("pooling", pooling, "how views combine");
    v("views", views, "views", Positive());
  }
};
MVPOSE3D_CONFIG_EQUALITY(Pooled)

std::vector<std::string> load_errors(const ScratchDir& dir,
                                     const std::string& text,
                                     Pooled* out,
                                     const std::vector<std::string>& overrides = {}) {
  try {
    load_fields(fields_of(*out), dir.write("p.yaml", text), overrides);
  } catch (const ConfigError& error) {
    return error.messages();
  }
  return {};
}

TEST(ConfigEnum, NamesComeFromTheTable) {
  EXPECT_EQ(enum_names<Pooling>(), (std::vector<std::string>{"concat", "mean"}));
  EXPECT_EQ(to_string(Pooling::kMean), "mean");
  EXPECT_EQ(enum_from_name<Pooling>("concat"), Pooling::kConcat);
  EXPECT_FALSE(enum_from_name<Pooling>("max").has_value());
  EXPECT_EQ(parse_enum<Pooling>("mean", "x.pooling"), Pooling::kMean);
  try {
    parse_enum<Pooling>("max", "x.pooling");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "unknown x.pooling 'max' (known: concat, mean)");
  }
}

TEST(ConfigEnum, RoundTripsByName) {
  ScratchDir dir;
  Pooled p;
  ASSERT_TRUE(load_errors(dir, "pooling: mean\n", &p).empty());
  EXPECT_EQ(p.pooling, Pooling::kMean);
  const std::string text = fields_to_yaml(fields_of(p));
  EXPECT_NE(text.find("pooling: mean  # how views combine (one of: concat, mean)"),
            std::string::npos)
      << text;
  Pooled again;
  ASSERT_TRUE(load_errors(dir, text, &again).empty()) << text;
  EXPECT_EQ(again, p);
  again.pooling = Pooling::kConcat;
  EXPECT_NE(again, p);
  EXPECT_TRUE(validate_fields(fields_of(p)).empty());
}

TEST(ConfigEnum, UnknownNamesListTheAllowedOnesAndSuggest) {
  ScratchDir dir;
  Pooled p;
  const std::string file = (dir.path() / "p.yaml").string();
  EXPECT_EQ(load_errors(dir, "views: 2\npooling: meen\n", &p),
            (std::vector<std::string>{file + ":2:1: pooling = 'meen'; violated constraint: "
                                             "pooling in {concat, mean} (did you mean 'mean'?)"}));
  EXPECT_EQ(p.pooling, Pooling::kConcat);  // an unknown name is never stored
  EXPECT_EQ(load_errors(dir, "pooling: max\n", &p, {"views=0"}),
            (std::vector<std::string>{
                file + ":1:1: pooling = 'max'; violated constraint: pooling in {concat, mean}",
                "--set views=0: views = 0; violated constraint: views > 0"}));
  Pooled fresh;
  EXPECT_EQ(load_errors(dir, "pooling: [mean]\n", &fresh),
            (std::vector<std::string>{file + ":1:1: pooling: expected a string, got a list"}));
}

TEST(ConfigEnum, ALaterValueReplacesAnUnknownName) {
  ScratchDir dir;
  Pooled p;
  EXPECT_TRUE(load_errors(dir, "pooling: max\n", &p, {"pooling=mean"}).empty());
  EXPECT_EQ(p.pooling, Pooling::kMean);
  EXPECT_EQ(load_errors(dir, "pooling: mean\n", &p, {"pooling=max"}),
            (std::vector<std::string>{"--set pooling=max: pooling = 'max'; violated constraint: "
                                      "pooling in {concat, mean}"}));
}

TEST(ConfigEnum, ReferenceRowListsTheNames) {
  Pooled p;
  const std::string md = fields_reference_markdown(fields_of(p));
  EXPECT_NE(md.find("| `pooling` | string | `concat` | one of: concat, mean | how views combine |"),
            std::string::npos)
      << md;
}

// data.type and data.joints: the YAML names of the datasets and skeletons, each value read back.
TEST(ConfigEnum, DatasetTypeAndJointSetRoundTrip) {
  EXPECT_EQ(enum_names<DatasetType>(),
            (std::vector<std::string>{"synthetic", "h36m", "totalcapture"}));
  EXPECT_EQ(enum_names<JointSet>(), (std::vector<std::string>{"h36m17", "tc16", "vicon21"}));
  for (DatasetType type : {DatasetType::kSynthetic, DatasetType::kH36m, DatasetType::kTotalCapture})
    EXPECT_EQ(parse_enum<DatasetType>(to_string(type), "data.type"), type);
  for (JointSet joints : {JointSet::kH36m17, JointSet::kTc16, JointSet::kVicon21})
    EXPECT_EQ(parse_enum<JointSet>(to_string(joints), "data.joints"), joints);

  ScratchDir dir;
  RunConfig c = default_config();
  c.data.type = DatasetType::kTotalCapture;
  c.data.joints = JointSet::kVicon21;
  const std::string text = to_yaml(c);
  const RunConfig again = load_config(dir.write("c.yaml", text), {"data.joints=tc16"});
  EXPECT_EQ(again.data.type, DatasetType::kTotalCapture);
  EXPECT_EQ(again.data.joints, JointSet::kTc16);
}

TEST(ConfigEnum, UnknownDatasetTypeAndJointSetNameTheKeyAndTheAllowedNames) {
  try {
    parse_enum<DatasetType>("coco", "data.type");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown data.type 'coco' (known: synthetic, h36m, totalcapture)");
  }
  ScratchDir dir;
  const std::string file = dir.write("c.yaml", "name: x\n").string();
  try {
    load_config(file, {"data.type=h36", "data.joints=coco17"});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.messages(),
              (std::vector<std::string>{
                  "--set data.type=h36: data.type = 'h36'; violated constraint: data.type in "
                  "{synthetic, h36m, totalcapture} (did you mean 'h36m'?)",
                  "--set data.joints=coco17: data.joints = 'coco17'; violated constraint: "
                  "data.joints in {h36m17, tc16, vicon21}"}));
  }
}

}  // namespace
}  // namespace mvpose3d
