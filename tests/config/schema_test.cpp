// The generic config machinery (schema.h, yaml_io.h) on a test struct that uses every supported
// field type, including lists of structs and string maps, which RunConfig does not use yet.
#include "mvpose3d/config/schema.h"

#include "mvpose3d/config/yaml_io.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config_test_util.h"

namespace mvpose3d {
namespace {

using testing_config::ScratchDir;

struct Item {
  std::string label = "item";
  double weight = 1.0;

  template <class Visitor>
  void visit(Visitor& v) {
    v("label", label, "what it is", OneOf({"item", "thing"}));
    v("weight", weight, "how heavy", Positive());
  }
};
MVPOSE3D_CONFIG_EQUALITY(Item)

struct Inner {
  int depth = 2;
  std::vector<double> scales{0.5, 1.0};

  template <class Visitor>
  void visit(Visitor& v) {
    v("depth", depth, "how deep", InRange(0, 10));
    v("scales", scales, "scales to try", Positive() && MinSize(1) && StrictlyIncreasing());
  }
};
MVPOSE3D_CONFIG_EQUALITY(Inner)

struct Everything {
  bool flag = false;
  int count = 3;
  std::int64_t big = 0;
  double ratio = 0.25;
  std::string mode = "fast";
  std::vector<int> sizes{1, 2};
  std::vector<std::string> tags;
  std::map<std::string, std::string> env;
  Inner inner;
  std::vector<Item> items;

  template <class Visitor>
  void visit(Visitor& v) {
    v("flag", flag, "a switch");
    v("count", count, "how many", NonNegative());
    v("big", big, "a 64-bit number");
    v("ratio", ratio, "a fraction", InRangeOpenHigh(0, 1));
    v("mode", mode, "speed", OneOf({"fast", "slow"}));
    v("sizes", sizes, "sizes", AtLeast(1));
    v("tags", tags, "free tags");
    v("env", env, "environment variables");
    v("inner", inner, "a nested section");
    v("items", items, "a list of sections", MinSize(0));
  }
};
MVPOSE3D_CONFIG_EQUALITY(Everything)

// Loads `text` (written to a scratch file) onto defaults; returns the messages of the ConfigError,
// or none.
std::vector<std::string> load_errors(const ScratchDir& dir,
                                     const std::string& text,
                                     Everything* out = nullptr,
                                     const std::vector<std::string>& overrides = {}) {
  Everything e;
  try {
    load_fields(fields_of(e), dir.write("e.yaml", text), overrides);
  } catch (const ConfigError& error) {
    return error.messages();
  }
  if (out != nullptr) *out = e;
  return {};
}

TEST(ConfigSchema, ConstraintsDescribeTheViolatedPart) {
  EXPECT_EQ(Positive().check_number(0, "a.b"), "a.b > 0");
  EXPECT_EQ(Positive().check_number(1e-9, "a.b"), "");
  EXPECT_EQ(NonNegative().check_number(-1, "k"), "k >= 0");
  EXPECT_EQ(InRange(32, 512).check_number(16, "k"), "32 <= k <= 512");
  EXPECT_EQ(InRange(32, 512).check_number(512, "k"), "");
  EXPECT_EQ(InRangeOpenHigh(0, 1).check_number(1, "m"), "0 <= m < 1");
  EXPECT_EQ(InRangeOpenLow(0, 1).check_number(0, "g"), "0 < g <= 1");
  EXPECT_EQ(InRangeOpenLow(0, 1).check_number(std::nan(""), "g"), "0 < g <= 1");
  EXPECT_EQ(OneOf({2, 3, 4}).check_number(5, "k"), "k in {2, 3, 4}");
  EXPECT_EQ(OneOf({"adam", "sgd"}).check_string("adm", "t"), "t in {adam, sgd}");
  EXPECT_EQ(MinSize(1).check_list_size(0, "l"), "size(l) >= 1");
  EXPECT_EQ(StrictlyIncreasing().check_list_order({1, 1}, "l"), "l strictly increasing");
  EXPECT_EQ((NonNegative() && StrictlyIncreasing()).summary(), ">= 0; strictly increasing");
  EXPECT_EQ(InRange(0, 1).summary(), "in [0, 1]");
  EXPECT_EQ(InRangeOpenHigh(0, 1).summary(), "in [0, 1)");
  EXPECT_EQ(OneOf({"a", "b"}).summary(), "one of: a, b");
  EXPECT_TRUE(Constraint().summary().empty());
}

TEST(ConfigSchema, EveryFieldTypeRoundTrips) {
  Everything e;
  e.flag = true;
  e.count = 0;
  e.big = std::numeric_limits<std::int64_t>::max();
  e.ratio = 0.1;  // not exactly representable: written with enough digits to read back equal
  e.mode = "slow";
  e.sizes = {5, 1, 7};
  e.tags = {"", "null", "a: b", " padded ", "#hash", "123", "true", "[x]", "quote\"d", "ünï"};
  e.env = {{"HOME", "/root"}, {"EMPTY", ""}, {"with space", "x y"}};
  e.inner.depth = 10;
  e.inner.scales = {1e-7, 3.0, 1e300};
  e.items = {Item{"thing", 2.5}, Item{}};
  ASSERT_TRUE(validate_fields(fields_of(e)).empty());

  ScratchDir dir;
  const std::string text = fields_to_yaml(fields_of(e), "header line\n\nsecond line");
  EXPECT_EQ(text.rfind("# header line\n#\n# second line\n", 0), 0u) << text;
  Everything loaded;
  ASSERT_TRUE(load_errors(dir, text, &loaded).empty()) << text;
  EXPECT_EQ(loaded, e) << text;
  EXPECT_EQ(fields_to_yaml(fields_of(loaded)), fields_to_yaml(fields_of(e)));
}

TEST(ConfigSchema, EqualityComparesEveryField) {
  Everything a, b;
  EXPECT_EQ(a, b);
  b.items.push_back(Item{});
  EXPECT_NE(a, b);
  a.items.push_back(Item{});
  EXPECT_EQ(a, b);
  b.items[0].weight = 2;
  EXPECT_NE(a, b);
  b = a;
  b.env["x"] = "y";
  EXPECT_NE(a, b);
  b = a;
  b.inner.scales.push_back(5);
  EXPECT_NE(a, b);
}

TEST(ConfigSchema, ListsOfSectionsAreReplacedWholeAndCheckedPerElement) {
  ScratchDir dir;
  const auto base = dir.write("base.yaml", "items:\n  - {label: thing, weight: 3}\n  - {}\n");
  Everything e;
  load_fields(fields_of(e), base, {});
  ASSERT_EQ(e.items.size(), 2u);
  EXPECT_EQ(e.items[0].label, "thing");
  EXPECT_EQ(e.items[1], Item{});

  // The child's list replaces the base's: one element, defaults for the keys it does not give.
  dir.write("child.yaml", "base: base.yaml\nitems:\n  - weight: 4\n");
  Everything child;
  ConfigOrigins origins;
  load_fields(fields_of(child), dir.path() / "child.yaml", {}, &origins);
  ASSERT_EQ(child.items.size(), 1u);
  EXPECT_EQ(child.items[0].label, "item");
  EXPECT_EQ(child.items[0].weight, 4.0);
  EXPECT_EQ(origins.count("items[1]"), 0u);
  EXPECT_EQ(origins.at("items[0].weight"), (dir.path() / "child.yaml").string() + ":3:5");

  const auto errors = load_errors(dir,
                                  "items:\n"
                                  "  - label: thing\n"
                                  "    weight: -1\n"
                                  "  - labl: x\n"
                                  "  - 5\n");
  const std::string f = (dir.path() / "e.yaml").string();
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0],
            f + ":3:5: items[0].weight = -1.0; violated constraint: items[0].weight > 0");
  EXPECT_EQ(errors[1], f + ":4:5: unknown key 'items[1].labl' (did you mean 'items[1].label'?)");
  EXPECT_EQ(errors[2], f + ":5:5: items[2]: expected a map of keys, got '5'");
}

TEST(ConfigSchema, StringMapsAndTypeErrors) {
  ScratchDir dir;
  const std::string f = (dir.path() / "e.yaml").string();
  Everything e;
  ASSERT_TRUE(load_errors(dir, "env: {A: '1', B: two}\n", &e).empty());
  EXPECT_EQ(e.env, (std::map<std::string, std::string>{{"A", "1"}, {"B", "two"}}));

  const auto errors = load_errors(dir,
                                  "env: {A: [1]}\n"
                                  "flag: yes\n"
                                  "count: 1.5\n"
                                  "big: 99999999999999999999\n"
                                  "ratio: '0.5'\n"
                                  "mode: [fast]\n"
                                  "sizes: 3\n"
                                  "tags: [a, {b: c}]\n"
                                  "inner: 4\n"
                                  "items: {label: x}\n");
  ASSERT_EQ(errors.size(), 10u);
  EXPECT_EQ(errors[0], f + ":1:7: env.A: expected a string, got a list");
  EXPECT_EQ(errors[1], f + ":2:1: flag: expected true or false, got 'yes'");
  EXPECT_EQ(errors[2], f + ":3:1: count: expected an integer, got '1.5'");
  EXPECT_EQ(errors[3],
            f + ":4:1: big: expected an integer in [-9223372036854775808, 9223372036854775807], "
                "got '99999999999999999999'");
  EXPECT_EQ(errors[4], f + ":5:1: ratio: expected a number, got the quoted string '0.5'");
  EXPECT_EQ(errors[5], f + ":6:1: mode: expected a string, got a list");
  EXPECT_EQ(errors[6], f + ":7:1: sizes: expected a list of integers, got '3'");
  EXPECT_EQ(errors[7], f + ":8:11: tags[1]: expected a string, got a map");
  EXPECT_EQ(errors[8], f + ":9:1: inner: expected a map of keys, got '4'");
  EXPECT_EQ(errors[9], f + ":10:1: items: expected a list of maps, got a map");
}

TEST(ConfigSchema, NumbersAcceptYamlSpellings) {
  ScratchDir dir;
  Everything e;
  ASSERT_TRUE(load_errors(dir, "ratio: 5e-1\ncount: +4\nbig: -12\ninner: {scales: [1, .inf]}\n", &e)
                  .empty());
  EXPECT_EQ(e.ratio, 0.5);
  EXPECT_EQ(e.count, 4);
  EXPECT_EQ(e.big, -12);
  EXPECT_TRUE(std::isinf(e.inner.scales[1]));
  for (const char* bad : {"ratio: 0x1p-2\n", "ratio: nan\n", "ratio: 1,5\n", "count: 0x10\n"}) {
    EXPECT_EQ(load_errors(dir, bad).size(), 1u) << bad;
  }
}

TEST(ConfigSchema, ListElementsAreCheckedWithTheirPositions) {
  ScratchDir dir;
  const std::string f = (dir.path() / "e.yaml").string();
  const auto errors = load_errors(dir, "inner:\n  scales: [2, -1, 3]\nsizes: []\n");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0],
            f + ":2:3: inner.scales = [2.0, -1.0, 3.0]; violated constraint: inner.scales strictly "
                "increasing");
  EXPECT_EQ(errors[1],
            f + ":2:15: inner.scales[1] = -1.0; violated constraint: inner.scales[1] > 0");
  EXPECT_EQ(load_errors(dir, "inner: {scales: []}\n").at(0),
            f + ":1:9: inner.scales = []; violated constraint: size(inner.scales) >= 1");
}

TEST(ConfigSchema, ReferenceListsEveryKey) {
  Everything e;
  const std::string md = fields_reference_markdown(fields_of(e));
  for (const char* key :
       {"`flag` | bool | `false`",
        "`big` | int64 | `0`",
        "`ratio` | float | `0.25` | in [0, 1)",
        "`mode` | string | `fast` | one of: fast, slow",
        "`sizes` | list of int | `[1, 2]` | >= 1",
        "`env` | map of string to string | `{}`",
        "## `inner`",
        "`inner.scales` | list of float | `[0.5, 1.0]` | > 0; size >= 1; strictly "
        "increasing",
        "## `items[]` (each element)",
        "`items[].weight` | float | `1.0` | > 0 | how heavy"}) {
    EXPECT_NE(md.find(key), std::string::npos) << key << "\n" << md;
  }
}

TEST(ConfigSchema, FormatDouble) {
  EXPECT_EQ(format_double(1), "1.0");
  EXPECT_EQ(format_double(0.001), "0.001");
  EXPECT_EQ(format_double(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(format_double(std::numeric_limits<double>::infinity()), ".inf");
  EXPECT_EQ(format_double(-std::numeric_limits<double>::infinity()), "-.inf");
  EXPECT_EQ(format_double(std::nan("")), ".nan");
}

}  // namespace
}  // namespace mvpose3d
