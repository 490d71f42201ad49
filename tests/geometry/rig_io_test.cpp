// Rig files: exact save/load round trip and strict validation whose messages name the file, the
// line and column, and the key.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/geometry/rig.h"

#include <algorithm>
#include <filesystem>
#include <unistd.h>

#include <Eigen/Geometry>
#include <gtest/gtest.h>

namespace mvpose3d {
namespace {

namespace fs = std::filesystem;

// A valid one-camera rig; with_lines() swaps some of its lines for other text to inject errors.
// Line numbers below refer to this text.
const char* const kValidRig =
    "name: test\n"                                                                 // 1
    "cameras:\n"                                                                   // 2
    "  - name: cam0\n"                                                             // 3
    "    width: 640\n"                                                             // 4
    "    height: 480\n"                                                            // 5
    "    fx: 500.0\n"                                                              // 6
    "    fy: 501.0\n"                                                              // 7
    "    cx: 319.5\n"                                                              // 8
    "    cy: 239.5\n"                                                              // 9
    "    distortion: {model: opencv, k: [-0.1, 0.01, 0.0], p: [0.001, -0.002]}\n"  // 10
    "    R_cam_from_world:\n"                                                      // 11
    "      - [1, 0, 0]\n"                                                          // 12
    "      - [0, 0, -1]\n"                                                         // 13
    "      - [0, 1, 0]\n"                                                          // 14
    "    center_world_mm: [0, -4000, 1000]\n";                                     // 15

// kValidRig with lines first..last (1-based, inclusive) replaced by the line `text`.
std::string with_lines(int first, int last, const std::string& text) {
  std::string out;
  int n = 1;
  std::size_t start = 0;
  const std::string rig = kValidRig;
  while (start < rig.size()) {
    const std::size_t end = rig.find('\n', start);
    if (n < first || n > last) {
      out += rig.substr(start, end - start) + "\n";
    } else if (n == first) {
      out += text + "\n";
    }
    start = end + 1;
    ++n;
  }
  return out;
}

std::string with_line(int line, const std::string& text) {
  return with_lines(line, line, text);
}

// Parses `yaml` and returns the error message ("" when it parsed).
std::string error_of(const std::string& yaml) {
  try {
    parse_rig(yaml, "bad.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

TEST(RigIo, ParsesTheValidRig) {
  const Rig rig = parse_rig(kValidRig, "good.yaml");
  ASSERT_EQ(rig.size(), 1u);
  const Camera& cam = rig.camera("cam0");
  EXPECT_EQ(cam.width(), 640);
  EXPECT_EQ(cam.fy(), 501.0);
  EXPECT_EQ(cam.distortion().model, DistortionModel::kOpenCv);
  EXPECT_EQ(cam.distortion().p[1], -0.002);
  EXPECT_LT((cam.center() - Eigen::Vector3d(0, -4000, 1000)).norm(), 1e-12);
  // The camera looks along world +y (its z row is (0, 1, 0)); a point ahead is in front.
  EXPECT_GT(cam.world_to_camera(Eigen::Vector3d(0, 0, 1000)).z(), 0.0);
}

TEST(RigIo, SaveThenLoadIsExact) {
  Rig rig("round_trip");
  rig.add("a", parse_rig(kValidRig, "good.yaml").camera(0));
  const Eigen::Matrix3d rotation =
      Eigen::AngleAxisd(2.1, Eigen::Vector3d(0.3, -0.5, 0.8).normalized()).toRotationMatrix();
  rig.add(
      "b with \"quotes\"",
      Camera::from_center({1145.0494384765625, 1143.7811279296875, 512.54, 515.45, 1000, 1002},
                          rotation,
                          Eigen::Vector3d(1841.1070556640625, 4955.28466796875, 1.0 / 3.0),
                          Distortion::h36m(-0.2071, 0.2478, -0.003, -0.00142447161488235, 1e-17)));
  rig.add("c", Camera());
  const fs::path path =
      fs::temp_directory_path() / ("mvpose3d_rig_io_" + std::to_string(::getpid())) / "rig.yaml";
  save_rig(rig, path);
  const Rig back = load_rig(path);
  ASSERT_EQ(back.size(), rig.size());
  EXPECT_EQ(back.name(), rig.name());
  EXPECT_EQ(back.camera_names(), rig.camera_names());
  for (std::size_t i = 0; i < rig.size(); ++i) {
    const Camera& a = rig.camera(i);
    const Camera& b = back.camera(i);
    EXPECT_EQ(a.calibration_matrix(), b.calibration_matrix());
    EXPECT_EQ(a.width(), b.width());
    EXPECT_EQ(a.height(), b.height());
    EXPECT_EQ(a.rotation(), b.rotation());
    EXPECT_EQ(a.translation(), b.translation());
    EXPECT_EQ(a.distortion().model, b.distortion().model);
    EXPECT_EQ(a.distortion().k, b.distortion().k);
    EXPECT_EQ(a.distortion().p, b.distortion().p);
  }
  fs::remove_all(path.parent_path());
}

TEST(RigIo, FisheyeRoundTripsWithItsFourCoefficients) {
  Rig rig("fisheye");
  rig.add("f",
          Camera::from_cam_from_world({600.5, 601.25, 639.5, 359.5, 1280, 720},
                                      Eigen::Matrix3d::Identity(),
                                      {1.0, 2.0, 3.0},
                                      Distortion::fisheye(0.05, -0.01, 0.002, -0.0005)));
  const std::string yaml = rig_to_yaml(rig);
  EXPECT_NE(yaml.find("model: opencv_fisheye, k: [0.05, -0.01, 0.002, -0.0005]"), std::string::npos)
      << yaml;
  const Distortion d = parse_rig(yaml, "fisheye.yaml").camera(0).distortion();
  EXPECT_EQ(d.model, DistortionModel::kOpenCvFisheye);
  EXPECT_EQ(d.k, (std::array<double, 3>{0.05, -0.01, 0.002}));
  EXPECT_EQ(d.k4, -0.0005);
  // The fisheye model has no tangential part: a `p` is an error naming the key.
  std::string with_p = yaml;
  with_p.replace(with_p.find("-0.0005]"), 8, "-0.0005], p: [0, 0]");
  try {
    parse_rig(with_p, "fisheye.yaml");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cameras[0].distortion.p"), std::string::npos) << e.what();
  }
}

TEST(RigIo, ReflectionIsNotARotation) {
  const std::string message = error_of(with_line(14, "      - [0, -1, 0]"));
  // The R node starts on line 12, column 7 (the first "-" of the block sequence).
  EXPECT_CONTAINS(message, "bad.yaml:12:7: cameras[0].R_cam_from_world: not a rotation");
  EXPECT_CONTAINS(message, "det = -1.000");
}

TEST(RigIo, NonOrthonormalMatrixReportsTheDefect) {
  const std::string message = error_of(with_line(12, "      - [1.3, 0, 0]"));
  EXPECT_CONTAINS(message, "bad.yaml:12:7: cameras[0].R_cam_from_world: not a rotation");
  EXPECT_CONTAINS(message, "‖RᵀR − I‖ = 0.69");
}

TEST(RigIo, UnknownKeyIsNamedWithItsLine) {
  const std::string message = error_of(with_line(6, "    focal: 500.0"));
  EXPECT_CONTAINS(message, "bad.yaml:6:5: cameras[0].focal: unknown key 'focal'");
  // ... and the key it replaced is then missing (both are reported).
  EXPECT_CONTAINS(message, "bad.yaml:3:5: cameras[0]: missing key 'fx'");
}

TEST(RigIo, MissingKeyNamesTheCamera) {
  const std::string message = error_of(with_line(15, ""));
  EXPECT_CONTAINS(message, "bad.yaml:3:5: cameras[0]: missing key 'center_world_mm' (or 't_mm')");
  const std::string no_r = error_of(with_lines(11, 14, "    name2: x"));
  EXPECT_CONTAINS(no_r, "bad.yaml:3:5: cameras[0]: missing key 'R_cam_from_world'");
  EXPECT_CONTAINS(no_r, "bad.yaml:11:5: cameras[0].name2: unknown key 'name2'");
}

TEST(RigIo, ValueErrorsNameKeyAndValue) {
  EXPECT_CONTAINS(error_of(with_line(6, "    fx: -500")),
                  "bad.yaml:6:9: cameras[0].fx: must be > 0, found -500");
  EXPECT_CONTAINS(error_of(with_line(4, "    width: 0")),
                  "bad.yaml:4:12: cameras[0].width: must be > 0, found 0");
  EXPECT_CONTAINS(error_of(with_line(4, "    width: 640.5")),
                  "bad.yaml:4:12: cameras[0].width: expected an integer, found '640.5'");
  EXPECT_CONTAINS(error_of(with_line(8, "    cx: abc")),
                  "bad.yaml:8:9: cameras[0].cx: expected a number, found 'abc'");
  EXPECT_CONTAINS(error_of(with_line(10, "    distortion: {model: fisheye}")),
                  "cameras[0].distortion.model: unknown distortion model 'fisheye' (known: none, "
                  "h36m, opencv)");
  EXPECT_CONTAINS(error_of(with_line(10, "    distortion: {model: h36m, k: [1, 2], p: [0, 0]}")),
                  "cameras[0].distortion.k: expected a list of 3 numbers");
  EXPECT_CONTAINS(error_of(with_line(10, "    distortion: {model: none, k: [0, 0, 0]}")),
                  "cameras[0].distortion.k: not used by model 'none'");
  EXPECT_CONTAINS(error_of(with_line(15, "    center_world_mm: [0, 1]")),
                  "bad.yaml:15:22: cameras[0].center_world_mm: expected a list of 3 numbers");
  EXPECT_CONTAINS(error_of(std::string(kValidRig) + "    t_mm: [0, 0, 0]\n"),
                  "bad.yaml:16:11: cameras[0].t_mm: give either center_world_mm or t_mm, not both");
  EXPECT_CONTAINS(error_of(with_line(1, "title: test")), "bad.yaml:1:1: (root).title: unknown key");
}

// k: [1e300, ...] was accepted and made every projected point non-finite.
TEST(RigIo, AbsurdDistortionCoefficientIsRejected) {
  EXPECT_CONTAINS(
      error_of(with_line(10, "    distortion: {model: opencv, k: [1e300, 0, 0], p: [0, 0]}")),
      "bad.yaml:10:36: cameras[0].distortion.k: coefficient 1e+300 is beyond +-1000");
  EXPECT_CONTAINS(
      error_of(with_line(10, "    distortion: {model: opencv, k: [0, 0, 0], p: [0, -5000]}")),
      "cameras[0].distortion.p: coefficient -5000 is beyond +-1000");
}

// Deeply nested YAML said only "invalid YAML: bad file" (yaml-cpp's words for its depth limit).
TEST(RigIo, DeeplyNestedYamlSaysSo) {
  const std::string deep = "name: " + std::string(3000, '[');
  EXPECT_CONTAINS(error_of(deep), "bad.yaml:1:");
  EXPECT_CONTAINS(error_of(deep), "invalid YAML: lists or maps nested");
}

// A device or FIFO given as a rig was read for ever or blocked.
TEST(RigIo, NonRegularFileIsRefused) {
  try {
    load_rig("/dev/zero");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "/dev/zero: is a character device, expected a regular file");
  }
}

TEST(RigIo, EveryProblemIsReportedAtOnce) {
  std::string yaml = with_line(6, "    fx: 0");
  yaml += "  - name: cam0\n    width: 1\n";  // a second camera: duplicate name, missing keys
  const std::string message = error_of(yaml);
  EXPECT_CONTAINS(message, "bad.yaml:6:9: cameras[0].fx: must be > 0");
  EXPECT_CONTAINS(message, "bad.yaml:16:11: cameras[1].name: duplicate camera name 'cam0'");
  EXPECT_CONTAINS(message, "cameras[1]: missing key 'R_cam_from_world'");
  EXPECT_GE(std::count(message.begin(), message.end(), '\n'), 3);
}

TEST(RigIo, SyntaxErrorsAndMissingFilesAreClear) {
  EXPECT_CONTAINS(error_of("cameras: [\n  - name: x\n"), "bad.yaml:");
  EXPECT_CONTAINS(error_of(""), "bad.yaml: (root): empty file");
  EXPECT_CONTAINS(error_of("cameras: []\n"), "bad.yaml:1:10: cameras: expected a non-empty list");
  try {
    load_rig("/nonexistent/rig.yaml");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "/nonexistent/rig.yaml");
  }
}

TEST(RigIo, RigLookupAndSelection) {
  Rig rig("r");
  const Camera cam;
  rig.add("c1", cam);
  rig.add("c2", cam);
  rig.add("c3", cam);
  EXPECT_EQ(rig.find("c2"), 1);
  EXPECT_EQ(rig.find("c9"), -1);
  EXPECT_THROW(rig.add("c1", cam), Error);
  EXPECT_EQ(rig.select({"c3", "c1"}).camera_names(), (std::vector<std::string>{"c3", "c1"}));
  try {
    rig.camera("c9");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), "c1, c2, c3");
  }
}

}  // namespace
}  // namespace mvpose3d
