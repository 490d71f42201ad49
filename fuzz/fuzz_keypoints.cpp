#include "fuzz_keypoints.h"

#include "mvpose3d/core/error.h"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "fuzz_import_util.h"
#include "fuzz_util.h"

namespace mvpose3d::fuzz {

namespace {

// The result's arrays hold exactly F·V·J points.
void check_sizes(const mocap::Keypoints2d& k) {
  const auto points = static_cast<std::size_t>(k.frames * k.views() * k.joints());
  if (k.frames < 0 || k.confidence.size() != points || k.xy_px.size() != 2 * points) {
    std::fprintf(stderr,
                 "imported keypoints of inconsistent size: F=%lld V=%lld J=%lld, %zu "
                 "confidences, %zu coordinates\n",
                 static_cast<long long>(k.frames),
                 static_cast<long long>(k.views()),
                 static_cast<long long>(k.joints()),
                 k.confidence.size(),
                 k.xy_px.size());
    std::abort();
  }
}

}  // namespace

void import_keypoint_sources(mocap::KeypointFormat format, const uint8_t* data, size_t size) {
  using mocap::KeypointFormat;
  quiet_logging();
  const bool openpose = format == KeypointFormat::kOpenPose;
  const std::vector<std::string> parts = split_input(data, size, "\n#---\n", openpose ? 4 : 2);
  const std::filesystem::path dir = fresh_scratch_dir("keypoints");
  const char* cameras[] = {"a", "b"};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string camera = cameras[i % 2];
    if (openpose) {
      std::filesystem::create_directories(dir / camera);
      write_scratch(fmt::format("keypoints/{}/f_{}_keypoints.json", camera, i / 2), parts[i]);
    } else {
      const char* extension = format == KeypointFormat::kCoco ? ".json" : ".csv";
      write_scratch("keypoints/" + camera + extension, parts[i]);
    }
  }
  for (const bool best : {true, false}) {
    mocap::KeypointImportOptions options;
    options.format = format;
    options.person.best = best;
    try {
      check_sizes(mocap::import_keypoints(dir, {"a", "b"}, options));
    } catch (const Error&) {
    }
  }
}

}  // namespace mvpose3d::fuzz
