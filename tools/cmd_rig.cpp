// `mvpose3d rig`: look at and convert camera rigs. One file per subcommand in tools/rig/.
//
//   rig check --cameras RIG (--keypoints FILE | --points3d FILE [--keypoints FILE]) --out DIR
//       Per-camera reprojection errors, outlier views, units and axes, and pictures of the rig
//       (tools/rig/check.cpp; docs/own_cameras.md, "Checking a rig").
#include "tools/commands.h"
#include "tools/rig/rig_commands.h"

namespace mvpose3d::tools {

void add_rig_command(CLI::App& app) {
  CLI::App* rig = app.add_subcommand("rig", "Check camera rigs against their keypoints");
  rig->require_subcommand(1);
  add_rig_check_command(*rig);
}

}  // namespace mvpose3d::tools
