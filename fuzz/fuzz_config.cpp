// The config loader with base: resolution and --set. The input is cut at "\n#---\n" into up to
// three files a.yaml (loaded), b.yaml and c.yaml (reachable as base: b.yaml / c.yaml), and a last
// part used as one --set assignment. Every failure must be mvpose3d::Error (ConfigError).
#include "mvpose3d/config/run_config.h"
#include "mvpose3d/core/error.h"

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  const std::vector<std::string> parts = fuzz::split_input(data, size, "\n#---\n", 4);
  const char* names[] = {"a.yaml", "b.yaml", "c.yaml"};
  for (size_t i = 0; i < 3; ++i) {
    fuzz::write_scratch(names[i], i < parts.size() && i < 3 ? parts[i] : "");
  }
  std::vector<std::string> overrides;
  if (parts.size() == 4) overrides.push_back(parts[3]);
  try {
    const LoadedConfig loaded = load_config_with_origins(fuzz::scratch_dir() / "a.yaml", overrides);
    const std::string yaml = to_yaml(loaded.config);
    (void)yaml;
  } catch (const Error&) {
  }
  return 0;
}
