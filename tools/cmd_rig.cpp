// `mvpose3d rig`: convert camera rigs from other tools and check them. One file per subcommand in
// tools/rig/.
//
//   rig convert IN [IN2] --from FORMAT --out RIG.yaml [--units mm|cm|m] [--select NAMES/GROUP]
//       Reads a calibration in another tool's format (data/calibration/calibration_import.h:
//       rig, easymocap, opencv, toml, panoptic, colmap, h36m, totalcapture) and writes our rig
//       YAML (geometry/rig.h): world→camera, t in mm, pixel centres at integers.
//   rig check --cameras RIG (--keypoints FILE | --points3d FILE [--keypoints FILE]) --out DIR
//       Per-camera reprojection errors, outlier views, units and axes, and pictures of the rig
//       (tools/rig/check.cpp; docs/own_cameras.md, "Checking a rig").
#include "tools/commands.h"
#include "tools/rig/rig_commands.h"

namespace mvpose3d::tools {

void add_rig_command(CLI::App& app) {
  CLI::App* rig =
      app.add_subcommand("rig", "Camera rigs: convert other tools' calibrations, check a rig");
  rig->require_subcommand(1);
  add_rig_convert_command(*rig);
  add_rig_check_command(*rig);
}

}  // namespace mvpose3d::tools
