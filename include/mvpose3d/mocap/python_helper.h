// Runs a short Python script for the formats whose maintained library is Python's (C3D through
// ezc3d, DeepLabCut's H5 through pandas).
#pragma once

#include <string>
#include <vector>

namespace mvpose3d::mocap {

// $MVPOSE3D_PYTHON, else the Python the build was configured with (-DMVPOSE3D_PYTHON), else
// "python3".
std::string helper_python();

// Runs `script` with `args` (sys.argv[1:]) under helper_python(). When the script fails, throws
// Error "<purpose>: <the script's last output line>"; a script that cannot import `module`
// names the package to install (pip install <module>) and the Python.
void run_python_helper(const std::string& script,
                       const std::vector<std::string>& args,
                       const std::string& purpose,
                       const std::string& module);

}  // namespace mvpose3d::mocap
