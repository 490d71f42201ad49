// The project's JSON output rules (core/json.h): full-precision numbers, null for NaN and inf, and
// the one-line layout with ", " and ": " that metrics.jsonl readers and greps rely on.
#include "mvpose3d/core/json.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace mvpose3d {
namespace {

TEST(Json, NumbersKeepFullPrecisionAndWholeNumbersHaveNoFraction) {
  EXPECT_EQ(json_number(2.0).dump(), "2");
  EXPECT_EQ(json_number(-0.5).dump(), "-0.5");
  EXPECT_EQ(json_number(0.1).dump(), "0.1");
  // Every double reads back exactly (the old metrics.jsonl lines kept 7 digits).
  for (const double x : {1.0 / 3.0, 41.23456789012345, 1e-5, 6.02214076e23, -2.5e-300}) {
    EXPECT_EQ(std::stod(json_number(x).dump()), x) << json_number(x).dump();
  }
  EXPECT_EQ(json_number(1e20).dump(), "1e+20");  // whole but past 2^53: stays a double
}

TEST(Json, NonFiniteNumbersAreNull) {
  EXPECT_TRUE(json_number(std::numeric_limits<double>::quiet_NaN()).is_null());
  EXPECT_TRUE(json_number(std::numeric_limits<double>::infinity()).is_null());
  EXPECT_TRUE(json_number(-std::numeric_limits<double>::infinity()).is_null());
}

TEST(Json, OneLineInInsertionOrder) {
  JsonObject o = {{"step", 5}, {"kind", "train"}, {"lr", json_number(0.001)}};
  o["a \"quoted\" key"] = json_number(std::nan(""));
  o["list"] = JsonObject::array({1, 2});
  EXPECT_EQ(
      json_line(o),
      R"({"step": 5, "kind": "train", "lr": 0.001, "a \"quoted\" key": null, "list": [1, 2]})");
  EXPECT_EQ(json_line(JsonObject::object()), "{}");
  EXPECT_EQ(JsonObject::parse(json_line(o)), o);
}

}  // namespace
}  // namespace mvpose3d
