// run_in_time_limited_child: the result, errors and crashes of the work come back to the parent;
// work that never finishes is killed at the limit.
#include "mvpose3d/core/time_limited_child.h"

#include <cstdlib>
#include <gmock/gmock.h>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/error_text.h"

namespace mvpose3d {
namespace {

using testing::error_of;
using ::testing::HasSubstr;

TEST(TimeLimitedChild, ResultComesBackByteForByte) {
  const std::string bytes("a\0b\xff", 4);
  EXPECT_EQ(run_in_time_limited_child([&] { return bytes; }, 10.0, "work"), bytes);
  // More than a pipe holds at once: the parent reads while the child writes.
  const std::string big(1 << 20, 'x');
  EXPECT_EQ(run_in_time_limited_child([&] { return big; }, 10.0, "work"), big);
}

TEST(TimeLimitedChild, ErrorOfTheWorkIsThrownAgainWithItsMessageAndKind) {
  EXPECT_THROW(run_in_time_limited_child(
                   []() -> std::string { throw UsageError("bad option"); }, 10.0, "work"),
               UsageError);
  EXPECT_EQ(error_of([] {
              run_in_time_limited_child(
                  []() -> std::string { throw Error("a.yml:3: bad key"); }, 10.0, "work");
            }),
            "a.yml:3: bad key");
  EXPECT_THAT(error_of([] {
                run_in_time_limited_child(
                    []() -> std::string { throw std::length_error("basic_string"); },
                    10.0,
                    "a.yml: the parser");
              }),
              HasSubstr("a.yml: the parser: basic_string"));
}

TEST(TimeLimitedChild, WorkThatNeverFinishesIsKilledAtTheLimit) {
  try {
    run_in_time_limited_child(
        []() -> std::string {
          for (;;) ::pause();  // waits for a signal that never comes
        },
        0.5,
        "a.yml: the parser");
    FAIL() << "no exception";
  } catch (const TimeLimitExceeded& e) {
    EXPECT_STREQ(e.what(), "a.yml: the parser did not finish within 0.5 s");
  }
}

TEST(TimeLimitedChild, CrashOfTheWorkIsAnErrorNotACrashOfTheCaller) {
  EXPECT_THAT(error_of([] {
                run_in_time_limited_child(
                    []() -> std::string {
                      std::abort();  // what a library's failed assertion does
                    },
                    10.0,
                    "a.yml: the parser");
              }),
              HasSubstr("a.yml: the parser ended with signal 6"));
}

}  // namespace
}  // namespace mvpose3d
