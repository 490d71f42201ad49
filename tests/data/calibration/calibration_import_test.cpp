// The calibration importers on files written by the peers' own code (fixtures/, written by
// tests/data/fixtures/make_calibration_fixtures.py): a known scene projected through each imported
// rig lands on the pixels the peer's code projected it to, within 1e-6 px.
#include "mvpose3d/data/calibration/calibration_import.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/error_text.h"

namespace mvpose3d {
namespace {

namespace fs = std::filesystem;

fs::path fixtures() {
  const char* dir = std::getenv("MVPOSE3D_SOURCE_DIR");
  const fs::path root = dir != nullptr ? fs::path(dir) : fs::current_path();
  return root / "tests" / "data" / "calibration" / "fixtures";
}

Rig import(const std::vector<fs::path>& inputs,
           CalibrationFormat format,
           std::optional<LengthUnit> units = std::nullopt,
           const std::string& select = "") {
  CalibrationImport request;
  request.inputs = inputs;
  request.format = format;
  request.units = units;
  request.select = select;
  return import_calibration(request);
}

// Projects truth.json's points through `rig` and compares with the peer's pixels. Returns the
// number of cameras compared.
std::size_t expect_matches_truth(const Rig& rig, const fs::path& truth_file) {
  const nlohmann::json truth = nlohmann::json::parse(read_text_file(truth_file));
  const double to_mm = millimetres_per(parse_enum<LengthUnit>(truth["units"], "units"));
  const double offset = truth["pixel_offset"];
  std::size_t compared = 0;
  for (const auto& [name, pixels] : truth["pixels"].items()) {
    const Camera& cam = rig.camera(name);
    double worst = 0.0;
    for (std::size_t i = 0; i < pixels.size(); ++i) {
      const auto& p = truth["points"][i];
      const Eigen::Vector3d x_mm(p[0].get<double>(), p[1].get<double>(), p[2].get<double>());
      const Eigen::Vector2d uv = cam.project(x_mm * to_mm);
      const Eigen::Vector2d expected(pixels[i][0].get<double>() + offset,
                                     pixels[i][1].get<double>() + offset);
      worst = std::max(worst, (uv - expected).cwiseAbs().maxCoeff());
    }
    EXPECT_LT(worst, 1e-6) << truth_file << ": camera " << name;
    ++compared;
  }
  return compared;
}

// The OpenCV FileStorage formats need OpenCV in the build.
#if defined(MVPOSE3D_TEST_WITH_OPENCV)
#define MVPOSE3D_REQUIRE_OPENCV()
#else
#define MVPOSE3D_REQUIRE_OPENCV() GTEST_SKIP() << "this build has no OpenCV"
#endif

using testing::error_of;

TEST(CalibrationImport, AniposelibTomlWithFisheye) {
  const fs::path dir = fixtures() / "anipose";
  const Rig rig =
      import({dir / "calibration.toml"}, CalibrationFormat::kToml, LengthUnit::kMillimetre);
  ASSERT_EQ(rig.camera_names(), (std::vector<std::string>{"01", "02", "10"}));
  EXPECT_EQ(rig.camera("10").distortion().model, DistortionModel::kOpenCvFisheye);
  EXPECT_EQ(rig.camera("01").width(), 1920);
  EXPECT_EQ(expect_matches_truth(rig, dir / "truth.json"), 3u);
}

TEST(CalibrationImport, Pose2SimTomlInMetres) {
  const fs::path dir = fixtures() / "pose2sim";
  const Rig rig = import({dir / "Calib.toml"}, CalibrationFormat::kToml, LengthUnit::kMetre);
  ASSERT_EQ(rig.camera_names(), (std::vector<std::string>{"cam_01", "cam_02", "cam_03", "cam_04"}));
  EXPECT_EQ(expect_matches_truth(rig, dir / "truth.json"), 4u);
  // Rotations given as 3×3 matrices instead of Rodrigues vectors: the same cameras.
  const Rig matrix =
      import({dir / "Calib_matrix.toml"}, CalibrationFormat::kToml, LengthUnit::kMetre);
  EXPECT_EQ(expect_matches_truth(matrix, dir / "truth.json"), 4u);
  // The same file read as mm puts every camera 1000 times closer to the origin.
  const Rig mm = import({dir / "Calib.toml"}, CalibrationFormat::kToml, LengthUnit::kMillimetre);
  EXPECT_NEAR((rig.camera(0).center() / 1000.0 - mm.camera(0).center()).norm(), 0.0, 1e-12);
}

TEST(CalibrationImport, TomlWithoutUnitsNeedsThem) {
  const std::string e =
      error_of([] { import({fixtures() / "pose2sim" / "Calib.toml"}, CalibrationFormat::kToml); });
  EXPECT_NE(e.find("does not record its length unit; give it with --units"), std::string::npos)
      << e;
}

TEST(CalibrationImport, UnitErrorNamesTheCallersOption) {
  // infer and triangulate take the unit as --cameras-units: the message must name that flag.
  const std::string calib = (fixtures() / "pose2sim" / "Calib.toml").string();
  const std::string e = error_of([&] { load_cameras(calib, "toml"); });
  EXPECT_NE(e.find("give it with --cameras-units mm|cm|m"), std::string::npos) << e;
}

TEST(CalibrationImport, EasyMocapRodriguesMatrixAndLeadingZeros) {
  MVPOSE3D_REQUIRE_OPENCV();
  const fs::path dir = fixtures() / "easymocap";
  // "01" has R_ and Rot_, "02" only R_ (Rodrigues), "03" only Rot_ (matrix); T_ in metres.
  const Rig rig = import({dir / "intri.yml", dir / "extri.yml"}, CalibrationFormat::kEasyMocap);
  ASSERT_EQ(rig.camera_names(), (std::vector<std::string>{"01", "02", "03"}));
  EXPECT_EQ(expect_matches_truth(rig, dir / "truth.json"), 3u);
  // The folder works as well as the two files.
  EXPECT_EQ(import({dir}, CalibrationFormat::kEasyMocap).camera_names(), rig.camera_names());
  // No image size in EasyMocap's intri.yml: taken from the principal point (511.5 → 1024).
  EXPECT_EQ(rig.camera("01").width(), 1024);
}

TEST(CalibrationImport, EasyMocapCameraMissingInOneFile) {
  MVPOSE3D_REQUIRE_OPENCV();
  const fs::path dir = fixtures() / "easymocap_missing";
  const std::string e = error_of([&] { import({dir}, CalibrationFormat::kEasyMocap); });
  EXPECT_NE(e.find("camera '02' is in"), std::string::npos) << e;
  EXPECT_NE(e.find("intri.yml but not in"), std::string::npos) << e;
  EXPECT_NE(e.find("extri.yml"), std::string::npos) << e;
}

TEST(CalibrationImport, OpenCvYamlAndXml) {
  MVPOSE3D_REQUIRE_OPENCV();
  const fs::path dir = fixtures() / "opencv";
  for (const char* file : {"camera.yml", "camera.xml"}) {
    const Rig rig = import({dir / file}, CalibrationFormat::kOpenCv);
    ASSERT_EQ(rig.camera_names(), std::vector<std::string>{"camera"});
    EXPECT_EQ(rig.camera(0).width(), 640);
    EXPECT_EQ(rig.camera(0).height(), 480);
    EXPECT_EQ(expect_matches_truth(rig, dir / "truth.json"), 1u) << file;
  }
}

TEST(CalibrationImport, PanopticInCentimetresSelectedByType) {
  const fs::path file = fixtures() / "panoptic" / "calibration_fixture.json";
  const Rig all = import({file}, CalibrationFormat::kPanoptic);
  EXPECT_EQ(all.size(), 4u);
  EXPECT_EQ(expect_matches_truth(all, fixtures() / "panoptic" / "truth.json"), 4u);
  const Rig hd = import({file}, CalibrationFormat::kPanoptic, std::nullopt, "hd");
  EXPECT_EQ(hd.camera_names(), (std::vector<std::string>{"00_00", "00_03"}));
  const Rig picked = import({file}, CalibrationFormat::kPanoptic, std::nullopt, "00_03,01_01");
  EXPECT_EQ(picked.camera_names(), (std::vector<std::string>{"00_03", "01_01"}));
  // cm: the first camera's centre, 3 m from the axis, is at 3000 mm.
  EXPECT_NEAR(all.camera(0).center().head<2>().norm(), std::hypot(3000.0, 200.0), 1e-9);
  const std::string e =
      error_of([&] { import({file}, CalibrationFormat::kPanoptic, std::nullopt, "4k"); });
  EXPECT_NE(e.find("--select '4k' names no camera"), std::string::npos) << e;
  EXPECT_NE(e.find("groups: hd, kinect-color, vga"), std::string::npos) << e;
}

TEST(CalibrationImport, ColmapTextModelEveryCameraModel) {
  const fs::path dir = fixtures() / "colmap";
  const Rig rig = import({dir}, CalibrationFormat::kColmap, LengthUnit::kMetre);
  ASSERT_EQ(rig.camera_names(),
            (std::vector<std::string>{"view1", "view2", "view3", "view4", "view5"}));
  EXPECT_EQ(rig.camera("view5").distortion().model, DistortionModel::kOpenCvFisheye);
  // COLMAP's principal point is relative to the top-left pixel's corner: 960 → 959.5.
  EXPECT_EQ(rig.camera("view1").cx(), 959.5);
  EXPECT_EQ(expect_matches_truth(rig, dir / "truth.json"), 5u);
  const Rig files = import(
      {dir / "cameras.txt", dir / "images.txt"}, CalibrationFormat::kColmap, LengthUnit::kMetre);
  EXPECT_EQ(files.camera_names(), rig.camera_names());
}

TEST(CalibrationImport, MalformedFilesNameFileAndLineOrKey) {
  const fs::path bad = fixtures() / "bad";
  std::string e = error_of([&] { import({bad / "syntax.toml"}, CalibrationFormat::kToml); });
  EXPECT_NE(e.find("syntax.toml: invalid TOML"), std::string::npos) << e;
  EXPECT_NE(e.find("line 4"), std::string::npos) << e;
  e = error_of([&] {
    import({bad / "missing_matrix.toml"}, CalibrationFormat::kToml, LengthUnit::kMillimetre);
  });
  EXPECT_NE(e.find("missing_matrix.toml: [cam_1]: missing key 'matrix'"), std::string::npos) << e;
  e = error_of([&] { import({bad / "syntax.json"}, CalibrationFormat::kPanoptic); });
  EXPECT_NE(e.find("syntax.json: invalid JSON"), std::string::npos) << e;
  EXPECT_NE(e.find("line 4"), std::string::npos) << e;
  e = error_of([&] { import({bad / "missing_K.json"}, CalibrationFormat::kPanoptic); });
  EXPECT_NE(e.find("missing_K.json: cameras[1] ('00_00'): missing key 'K'"), std::string::npos)
      << e;
  e = error_of([&] { import({bad / "colmap_model"}, CalibrationFormat::kColmap); });
  EXPECT_NE(e.find("cameras.txt:2: PINHOLE takes 4 numeric parameters"), std::string::npos) << e;
#if defined(MVPOSE3D_TEST_WITH_OPENCV)
  e = error_of([&] {
    import({bad / "easymocap_bad_K" / "intri.yml", bad / "easymocap_bad_K" / "extri.yml"},
           CalibrationFormat::kEasyMocap);
  });
  EXPECT_NE(e.find("intri.yml: K_01: expected a 3×3 matrix, found 2×2"), std::string::npos) << e;
  e = error_of(
      [&] { import({bad / "easymocap_bad_K" / "broken.yml"}, CalibrationFormat::kOpenCv); });
  EXPECT_NE(e.find("broken.yml: not a readable OpenCV FileStorage file"), std::string::npos) << e;
#endif
}

TEST(CalibrationImport, TotalCaptureInMetresAndUnitOverride) {
  // Two cameras of a calibration.cal (R with 4 printed digits, t in metres, one radial term).
  const fs::path file =
      fs::temp_directory_path() / ("mvpose3d_calib_tc_" + std::to_string(::getpid()) + ".cal");
  write_file_atomic(file,
                    "2 1\n0 1079 0 1919\n1000 1001 959.5 539.5\n-0.1\n1 0 0\n0 1 0\n0 0 1\n"
                    "0.5 -0.25 4\n0 1079 0 1919\n1100 1100 960 540\n0\n"
                    "0 0 -1\n0 1 0\n1 0 0\n0 0 3\n");
  const Rig rig = import({file}, CalibrationFormat::kTotalCapture);
  EXPECT_EQ(rig.camera_names(), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(rig.camera("1").translation(), Eigen::Vector3d(500.0, -250.0, 4000.0));
  EXPECT_EQ(rig.camera("1").distortion().model, DistortionModel::kH36m);
  // --units overrides the format's metres: a file written in mm.
  const Rig mm = import({file}, CalibrationFormat::kTotalCapture, LengthUnit::kMillimetre);
  EXPECT_NEAR((mm.camera("2").translation() - Eigen::Vector3d(0.0, 0.0, 3.0)).norm(), 0.0, 1e-12);
  fs::remove(file);
}

TEST(CalibrationImport, RigRoundTripAndLoadCamerasNames) {
  // rig convert's output reads back as the same cameras; load_cameras takes the names.
  const Rig rig = load_cameras(
      (fixtures() / "panoptic" / "calibration_fixture.json").string(), "panoptic", "cm", "hd");
  const fs::path out =
      fs::temp_directory_path() / ("mvpose3d_calib_" + std::to_string(::getpid()) + ".yaml");
  save_rig(rig, out);
  const Rig back = load_cameras(out.string());
  fs::remove(out);
  ASSERT_EQ(back.camera_names(), rig.camera_names());
  EXPECT_EQ(back.camera(1).proj_from_world(), rig.camera(1).proj_from_world());
  const std::string e = error_of([] { load_cameras("x.json", "anipose"); });
  EXPECT_NE(e.find("unknown --cameras-format 'anipose' (known: rig, easymocap, opencv, toml"),
            std::string::npos)
      << e;
}

}  // namespace
}  // namespace mvpose3d
