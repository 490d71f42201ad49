// Runs a piece of work in a forked child process under a wall-clock limit.
//
// For third-party parsers that can loop for ever on a malformed file before any check of ours
// runs (OpenCV 4.6's FileStorage YAML parser, docs/reliability.md): the parent waits at most
// `limit_s`, then kills the child, so a hang becomes an Error naming the file. A crash of the
// child (a segfault inside the library) becomes an Error too, instead of ending the command.
//
// The child is a fork() of a possibly multi-threaded process: only the calling thread exists in it.
// glibc keeps malloc usable there, but a lock another thread held at the fork stays locked; work
// that needs such a lock blocks, and the time limit turns that into the same Error. The child
// ends with _exit, so no atexit handler, static destructor or test framework hook runs in it.
#pragma once

#include "mvpose3d/core/error.h"

#include <functional>
#include <string>

namespace mvpose3d {

// Thrown when the child did not finish within its limit (the caller's message says which file).
class TimeLimitExceeded : public Error {
 public:
  explicit TimeLimitExceeded(const std::string& message) : Error(message) {}
};

// Runs `work` in a child process and returns the bytes it returned. An Error (or UsageError) the
// work throws is thrown again here, with its message; any other exception becomes an Error.
// When the child runs past `limit_s` seconds it is killed and TimeLimitExceeded is thrown, whose
// message is `what` followed by " did not finish within <limit_s> s"; a child that dies of a
// signal gives Error "<what> ended with signal N (<name>)". Throws Error when no process can be
// started.
std::string run_in_time_limited_child(const std::function<std::string()>& work,
                                      double limit_s,
                                      const std::string& what);

}  // namespace mvpose3d
