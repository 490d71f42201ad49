// load_yaml_document: YAML files other than configs (the sweep file) get the checks configs get.
#include "mvpose3d/config/yaml_document.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"

#include <fstream>
#include <gmock/gmock.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "config/config_test_util.h"

namespace mvpose3d {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing_config::ScratchDir;

std::string error_of(const std::filesystem::path& file) {
  try {
    load_yaml_document(file, "sweep file");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// src/train/sweep.cpp read its file with YAML::LoadFile: /dev/zero grew without bound, a FIFO
// blocked.
TEST(YamlDocument, SweepFileThatIsADeviceOrFifoIsRefusedWithoutReading) {
  EXPECT_THAT(error_of("/dev/zero"), HasSubstr("cannot read the sweep file: /dev/zero: is a"));
  const ScratchDir dir;
  const auto fifo = dir.path() / "sweep.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(error_of(fifo), HasSubstr("FIFO"));
}

TEST(YamlDocument, SweepFileLargerThanAConfigMayBeIsRefused) {
  const ScratchDir dir;
  const auto big = dir.path() / "sweep.yaml";
  write(big, std::string(kMaxConfigFileBytes + 1, '#'));
  EXPECT_THAT(error_of(big), HasSubstr("this kind of file may have"));
}

TEST(YamlDocument, NestingTwoDocumentsAndBadSyntaxNameTheFileLineAndColumn) {
  const ScratchDir dir;
  const auto file = dir.path() / "sweep.yaml";
  write(file, std::string(3000, '[') + std::string(3000, ']'));
  EXPECT_THAT(error_of(file), HasSubstr("levels deep (a sweep file has a few)"));
  write(file, "name: a\n---\nname: b\n");
  EXPECT_THAT(error_of(file),
              MatchesRegex(".*sweep\\.yaml:[23]:[0-9]+: expected one YAML document in the sweep "
                           "file, found 2"));
  write(file, "name: [a\n");
  EXPECT_THAT(error_of(file), MatchesRegex(".*sweep\\.yaml:[12]:[0-9]+: invalid YAML: .*"));
  write(file, "name: a\nbase: b.yaml\n");
  EXPECT_EQ(load_yaml_document(file, "sweep file")["base"].as<std::string>(), "b.yaml");
}

}  // namespace
}  // namespace mvpose3d
