#include "mvpose3d/core/file_io.h"

#include "mvpose3d/core/error.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/error_text.h"

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

using testing::error_of;

// `check-config /dev/zero` grew to 24 GB: a device is refused before anything is read.
TEST(FileIo, DevZeroIsRefusedNotReadForever) {
  const std::string what = error_of([] { read_text_file("/dev/zero"); });
  EXPECT_EQ(what, "/dev/zero: is a character device, expected a regular file");
}

// A FIFO given as a file hung for ever (open blocks until a writer comes).
TEST(FileIo, FifoIsRefusedWithoutBlocking) {
  const fs::path fifo =
      fs::temp_directory_path() / ("mvpose3d_fileio_fifo_" + std::to_string(::getpid()));
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string what = error_of([&] { read_text_file(fifo); });
  EXPECT_EQ(what, fifo.string() + ": is a FIFO (named pipe), expected a regular file");
  fs::remove(fifo);
}

TEST(FileIo, FileLargerThanItsKindMayBeIsRefusedBeforeReading) {
  const fs::path dir =
      fs::temp_directory_path() / ("mvpose3d_fileio3_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  write_file_atomic(dir / "big.yaml", std::string(2048, 'x'));
  const std::string what = error_of([&] { read_regular_file(dir / "big.yaml", 1024); });
  EXPECT_NE(what.find("big.yaml: 2048 bytes, more than the 1024 bytes"), std::string::npos) << what;
  EXPECT_EQ(read_regular_file(dir / "big.yaml", 4096, 10), std::string(10, 'x'));
  EXPECT_EQ(regular_file_size(dir / "big.yaml", 4096), 2048u);
  fs::remove_all(dir);
}

// A kill during a save left "last.pt.tmp-<pid>" for ever: the next write of the same target
// removes the temporaries of processes that are gone, and leaves a live writer's alone.
TEST(FileIo, StaleTemporaryOfAKilledWriteIsRemoved) {
  const fs::path dir =
      fs::temp_directory_path() / ("mvpose3d_fileio4_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);  // its pid is now free: a writer that was killed
  const fs::path stale = dir / ("last.pt.tmp-" + std::to_string(child));
  const fs::path live = dir / ("last.pt.tmp-" + std::to_string(::getppid()));
  const fs::path other = dir / ("best.pt.tmp-" + std::to_string(child));
  for (const fs::path& p : {stale, live, other}) std::ofstream(p) << "partial";
  write_file_atomic(dir / "last.pt", "whole");
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));   // its process runs: maybe a write in progress
  EXPECT_TRUE(fs::exists(other));  // another target's temporary
  EXPECT_EQ(read_text_file(dir / "last.pt"), "whole");
  fs::remove_all(dir);
}

TEST(FileIo, PrintableExcerptEscapesBinaryAndLimitsLength) {
  EXPECT_EQ(printable_excerpt(std::string("ab\x00\x93\n", 5)), "ab\\x00\\x93\\x0a");
  EXPECT_EQ(printable_excerpt(std::string(100, 'y'), 5), "yyyyy...");
}

}  // namespace
}  // namespace mvpose3d
