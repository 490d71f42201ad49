#include "mvpose3d/core/file_io.h"

#include "mvpose3d/core/error.h"

#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>

namespace mvpose3d {
namespace {

namespace fs = std::filesystem;

TEST(FileIo, AtomicWriteReplacesWholeAndLeavesNoTemporary) {
  const fs::path dir =
      fs::temp_directory_path() / ("mvpose3d_fileio_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  write_file_atomic(dir / "sub" / "a.txt", "first");
  write_file_atomic(dir / "sub" / "a.txt", "second");
  EXPECT_EQ(read_text_file(dir / "sub" / "a.txt"), "second");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir / "sub")) ++entries;
  EXPECT_EQ(entries, 1);
  fs::remove_all(dir);
}

TEST(FileIo, FailedWriteKeepsPreviousFile) {
  const fs::path dir =
      fs::temp_directory_path() / ("mvpose3d_fileio2_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  write_file_atomic(dir / "a.txt", "keep me");
  fs::create_directories(dir / "blocker");  // renaming a file over a directory fails
  EXPECT_THROW(write_file_atomic(dir / "blocker", "x"), Error);
  EXPECT_EQ(read_text_file(dir / "a.txt"), "keep me");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 2);  // a.txt and blocker/, no temporary left
  fs::remove_all(dir);
}

TEST(FileIo, ReadingADirectoryIsAClearError) {
  try {
    read_text_file(fs::temp_directory_path());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos);
  }
}

}  // namespace
}  // namespace mvpose3d
