#include "mvpose3d/core/time_limited_child.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/write_all.h"

namespace mvpose3d {

namespace {

// The first byte the child writes says how the work ended; its message or result follows.
constexpr char kResult = 'R';
constexpr char kError = 'E';
constexpr char kUsageError = 'U';
constexpr char kOtherException = 'X';

[[noreturn]] void run_child(const std::function<std::string()>& work, int fd) {
  std::string message;
  try {
    message = kResult + work();
  } catch (const UsageError& e) {
    message = kUsageError + std::string(e.what());
  } catch (const Error& e) {
    message = kError + std::string(e.what());
  } catch (const std::exception& e) {
    message = kOtherException + std::string(e.what());
  } catch (...) {
    message = kOtherException + std::string("an exception of unknown type");
  }
  // _exit, not exit or return: the parent's atexit handlers, static destructors and test hooks
  // must not run a second time in the child.
  ::_exit(detail::write_all(fd, message) == 0 ? 0 : 1);  // 1: the parent is gone
}

// Waits for the child, retrying when a signal interrupts the wait.
int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

std::string run_in_time_limited_child(const std::function<std::string()>& work,
                                      double limit_s,
                                      const std::string& what) {
  MVPOSE3D_CHECK(std::isfinite(limit_s) && limit_s > 0.0,
                 "{}: time limit {} s is not a positive number of seconds",
                 what,
                 limit_s);
  int fds[2];
  MVPOSE3D_CHECK(::pipe2(fds, O_CLOEXEC) == 0,
                 "{}: cannot create a pipe to a child process ({})",
                 what,
                 std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error(fmt::format("{}: cannot start a child process ({})", what, std::strerror(err)));
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(work, fds[1]);
  }
  ::close(fds[1]);

  // Read until the child closes its end (it has finished) or the limit passes. The child may write
  // more than a pipe holds, so the parent reads while it waits.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(limit_s));
  std::string bytes;
  bool finished = false;
  char buffer[65536];
  while (!finished) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      finished = true;  // end of file: the child closed the pipe (or died)
    } else {
      bytes.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fds[0]);
  if (!finished) {
    ::kill(pid, SIGKILL);
    (void)wait_for(pid);
    throw TimeLimitExceeded(fmt::format("{} did not finish within {} s", what, limit_s));
  }
  const int status = wait_for(pid);
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    throw Error(fmt::format("{} ended with signal {} ({})", what, sig, ::strsignal(sig)));
  }
  MVPOSE3D_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && !bytes.empty(),
                 "{} ended without a result (exit status {})",
                 what,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  const std::string message = bytes.substr(1);
  switch (bytes[0]) {
    case kResult:
      return message;
    case kUsageError:
      throw UsageError(message);
    case kError:
      throw Error(message);
    default:
      throw Error(fmt::format("{}: {}", what, message));
  }
}

}  // namespace mvpose3d
