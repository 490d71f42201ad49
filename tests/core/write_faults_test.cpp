// Write errors (issue #20, Found 6): with the disk full, metrics.jsonl and the log stopped being
// written without an error and ended mid-line. A full disk is simulated with RLIMIT_FSIZE (the
// kernel refuses writes past the limit with EFBIG, as it refuses them with ENOSPC on a full disk)
// and with /dev/full, where every write fails with ENOSPC.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/logging.h"

#include <csignal>
#include <filesystem>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/error_text.h"

namespace mvpose3d {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::error_of;

// Files this process writes may grow to `bytes` while it lives (SIGXFSZ ignored, so that the
// write fails with EFBIG instead of killing the process).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved_;
    limited.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*previous_handler_)(int) = SIG_DFL;
};

TEST(WriteFaults, AppendOnAFullDiskNamesTheFileAndTheReasonAndLeavesNoPartialLine) {
  const fs::path dir =
      fs::temp_directory_path() / ("mvpose3d_write_faults_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path file = dir / "metrics.jsonl";
  const std::string line(60, 'x');
  std::string message;
  {
    FileSizeLimit limit(100);
    append_to_file(file, line + "\n");
    message = error_of([&] { append_to_file(file, line + "\n"); });  // 40 of 61 bytes fit
  }
  EXPECT_TRUE(contains(message, file.string())) << message;
  EXPECT_TRUE(contains(message, "File too large")) << message;  // the system's reason (EFBIG)
  EXPECT_EQ(read_text_file(file), line + "\n");  // the partial second line was taken back
  fs::remove_all(dir);
}

TEST(WriteFaults, AtomicWriteOnAFullDiskKeepsThePreviousFileAndSaysWhy) {
  const fs::path dir =
      fs::temp_directory_path() / ("mvpose3d_write_faults2_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  write_file_atomic(dir / "last.pt", "the previous checkpoint");
  std::string message;
  {
    FileSizeLimit limit(100);
    message = error_of([&] { write_file_atomic(dir / "last.pt", std::string(1000, 'n')); });
  }
  EXPECT_TRUE(contains(message, (dir / "last.pt").string())) << message;
  EXPECT_TRUE(contains(message, "File too large")) << message;
  EXPECT_EQ(read_text_file(dir / "last.pt"), "the previous checkpoint");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1);  // no temporary left
  fs::remove_all(dir);
}

TEST(WriteFaults, AppendToDevFullSaysNoSpaceLeft) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string message = error_of([] { append_to_file("/dev/full", "{}\n"); });
  EXPECT_TRUE(contains(message, "/dev/full: cannot append (No space left on device)")) << message;
}

// spdlog reported a failed log write to its error handler only; the failure is now kept for the
// run to stop on, naming the file and the reason.
TEST(WriteFaults, LogFileWriteFailureIsRecordedNotSwallowed) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  init_console_logging("warn");
  take_log_write_error();
  add_log_file("/dev/full");
  spdlog::warn("a line that cannot be written");
  spdlog::default_logger()->flush();
  remove_log_file("/dev/full");  // flushes again: must not throw
  const std::string failure = take_log_write_error();
  EXPECT_TRUE(contains(failure, "/dev/full")) << failure;
  EXPECT_TRUE(contains(failure, "No space left on device")) << failure;
  EXPECT_EQ(take_log_write_error(), "");  // taken once
}

}  // namespace
}  // namespace mvpose3d
