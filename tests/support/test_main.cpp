// GoogleTest main for every mvpose3d test binary.
//
// Tests whose name ends in _CUDA need a GPU. Without one they are filtered out and each is reported
// on its own line as "[  SKIPPED ] Suite.Name_CUDA (no CUDA device)", which CTest counts as
// skipped.
#include <algorithm>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <torch/cuda.h>

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Glob match with gtest's wildcards: '*' any run of characters, '?' one character.
bool glob_match(const char* pattern, const char* text) {
  if (*pattern == '\0') return *text == '\0';
  if (*pattern == '*')
    return glob_match(pattern + 1, text) || (*text != '\0' && glob_match(pattern, text + 1));
  return *text != '\0' && (*pattern == '?' || *pattern == *text) &&
         glob_match(pattern + 1, text + 1);
}

bool matches_any(const std::string& patterns, const std::string& name) {
  size_t start = 0;
  while (start <= patterns.size()) {
    const size_t end = std::min(patterns.find(':', start), patterns.size());
    if (glob_match(patterns.substr(start, end - start).c_str(), name.c_str())) return true;
    start = end + 1;
  }
  return false;
}

// True when "Suite.Name" is selected by a gtest filter "positive[-negative]".
bool selected(const std::string& filter, const std::string& full_name) {
  const size_t dash = filter.find('-');
  std::string positive = filter.substr(0, dash);
  if (positive.empty()) positive = "*";
  const std::string negative = dash == std::string::npos ? "" : filter.substr(dash + 1);
  return matches_any(positive, full_name) &&
         (negative.empty() || !matches_any(negative, full_name));
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  // Listing (CTest's test discovery) shows every test, so CTest reports *_CUDA ones as skipped.
  if (!torch::cuda::is_available() && !GTEST_FLAG_GET(list_tests)) {
    auto* unit = testing::UnitTest::GetInstance();
    for (int i = 0; i < unit->total_test_suite_count(); ++i) {
      const auto* suite = unit->GetTestSuite(i);
      for (int j = 0; j < suite->total_test_count(); ++j) {
        const auto* info = suite->GetTestInfo(j);
        const std::string full_name = std::string(suite->name()) + "." + info->name();
        if (ends_with(info->name(), "_CUDA") && selected(GTEST_FLAG_GET(filter), full_name)) {
          std::printf("[  SKIPPED ] %s.%s (no CUDA device)\n", suite->name(), info->name());
        }
      }
    }
    std::string filter = GTEST_FLAG_GET(filter);
    filter += (filter.find('-') == std::string::npos ? "-" : ":") + std::string("*_CUDA");
    GTEST_FLAG_SET(filter, filter);
  }
  return RUN_ALL_TESTS();
}
