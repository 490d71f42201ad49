// `mvpose3d rig convert`: another tool's calibration → our rig YAML.
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/calibration/calibration_import.h"
#include "mvpose3d/geometry/rig.h"

#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "tools/rig/rig_commands.h"

namespace mvpose3d::tools {

namespace {

struct ConvertArgs {
  std::vector<std::string> inputs;
  std::string from, out, units, select;
};

void run(const ConvertArgs& a) {
  CalibrationImport request;
  for (const std::string& in : a.inputs) request.inputs.emplace_back(in);
  request.format = parse_enum<CalibrationFormat>(a.from, "--from");
  if (!a.units.empty()) request.units = parse_enum<LengthUnit>(a.units, "--units");
  request.select = a.select;
  const Rig rig = import_calibration(request);
  save_rig(rig, a.out);
  spdlog::info(
      "wrote {} cameras ({}) to {}", rig.size(), fmt::join(rig.camera_names(), ", "), a.out);
}

}  // namespace

void add_rig_convert_command(CLI::App& rig) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* cmd = rig.add_subcommand(
      "convert", "Convert a calibration from another tool's format to a rig YAML (mm)");
  cmd->add_option("inputs",
                  args->inputs,
                  "the calibration file; easymocap: intri.yml extri.yml (or their folder); "
                  "colmap: cameras.txt images.txt (or their folder)")
      ->required()
      ->expected(1, 2)
      ->check(CLI::ExistingPath);
  cmd->add_option("--from", args->from, calibration_format_help())
      ->required()
      ->check(CLI::IsMember(enum_names<CalibrationFormat>()));
  cmd->add_option("--out", args->out, "the rig YAML to write")->required();
  cmd->add_option("--units",
                  args->units,
                  "the unit of the file's lengths (default: the format's; toml, opencv and colmap "
                  "record none)")
      ->check(CLI::IsMember(enum_names<LengthUnit>()));
  cmd->add_option("--select",
                  args->select,
                  "cameras to keep, in this order: comma-separated names, or a group (Panoptic "
                  "type: hd, vga, ...; Human3.6M subject: S1, ...)");
  cmd->callback([args] { run(*args); });
}

}  // namespace mvpose3d::tools
