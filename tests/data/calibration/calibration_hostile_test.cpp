// The calibration importers on hostile files: what the fuzzers (fuzz/, docs/reliability.md) and a
// review found; every failure must be an Error naming the file, never undefined behaviour, an
// exception of another kind, a blocked read or a recursion as deep as the file.
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/calibration/calibration_import.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/error_text.h"

namespace mvpose3d {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using ::testing::HasSubstr;

class CalibrationImportHostile : public ::testing::Test {
 protected:
  CalibrationImportHostile()
      : dir_(fs::temp_directory_path() /
             ("mvpose3d_calibration_hostile_" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~CalibrationImportHostile() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  static std::string import_error(std::vector<fs::path> inputs, CalibrationFormat format) {
    return error_of([&] {
      CalibrationImport request;
      request.inputs = std::move(inputs);
      request.format = format;
      request.units = LengthUnit::kMillimetre;
      (void)import_calibration(request);
    });
  }

  fs::path dir_;
};

constexpr const char* kTomlCamera =
    "matrix = [[1000.0, 0.0, 500.0], [0.0, 1000.0, 400.0], [0.0, 0.0, 1.0]]\n"
    "distortions = [0.0, 0.0, 0.0, 0.0]\nrotation = [0.0, 0.0, 0.0]\n"
    "translation = [0.0, 0.0, 0.0]\n";

// An image size of 1e30 (or 1e300) was converted to int unchecked: undefined behaviour.
TEST_F(CalibrationImportHostile, ImageSizeBeyondAnIntIsAnErrorNotUndefinedBehaviour) {
  const fs::path toml =
      write("big.toml", std::string("[cam_0]\nsize = [1.0e300, 1080.0]\n") + kTomlCamera);
  EXPECT_THAT(import_error({toml}, CalibrationFormat::kToml),
              HasSubstr("big.toml: [cam_0]: size: image size 1e+300 is not a whole number of "
                        "pixels from 1 to 65536"));
  const fs::path panoptic =
      write("big.json",
            R"({"cameras": [{"name": "00_00", "resolution": [1e30, 1080], "K": [[1000, 0, 500],
          [0, 1000, 400], [0, 0, 1]], "distCoef": [0, 0, 0, 0, 0], "R": [[1, 0, 0], [0, 1, 0],
          [0, 0, 1]], "t": [[0], [0], [0]]}]})");
  EXPECT_THAT(import_error({panoptic}, CalibrationFormat::kPanoptic),
              HasSubstr("cameras[0] ('00_00').resolution: image size 1e+30 is not a whole number"));
  // Without a size, one is guessed from the principal point: a huge cx is no image side either.
  const fs::path guessed =
      write("guess.json",
            R"({"cameras": [{"name": "00_00", "K": [[1000, 0, 1e300], [0, 1000, 400], [0, 0, 1]],
          "distCoef": [0, 0, 0, 0, 0], "R": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
          "t": [[0], [0], [0]]}]})");
  EXPECT_THAT(import_error({guessed}, CalibrationFormat::kPanoptic),
              HasSubstr("(image size from the principal point): image size"));
}

// Table names with digit runs longer than 64 bits made natural ordering throw
// std::out_of_range (std::stoull), which no caller expects.
TEST_F(CalibrationImportHostile, TomlTableNamesWithHugeNumbersSortWithoutThrowing) {
  const fs::path toml = write("names.toml",
                              std::string("[cam_123456789012345678901234567890]\nsize = [1000, "
                                          "800]\n") +
                                  kTomlCamera + "[cam_0002]\nsize = [1000, 800]\n" + kTomlCamera +
                                  "[cam_10]\nsize = [1000, 800]\n" + kTomlCamera);
  CalibrationImport request;
  request.inputs = {toml};
  request.format = CalibrationFormat::kToml;
  EXPECT_EQ(import_calibration(request).camera_names(),
            (std::vector<std::string>{"cam_0002", "cam_10", "cam_123456789012345678901234567890"}));
}

// cpptoml::parse_file, COLMAP's std::ifstream and OpenCV's FileStorage opened any path: a FIFO
// blocked, /dev/zero was read until memory ran out.
// fuzz/regressions/colmap_calibration/distortion_beyond_the_rig_bound_does_not_load_back: COLMAP
// k2 = 2537220.05 was imported, and the rig written from it was then refused by the rig loader
// (|coefficient| <= 1000). Camera now applies the rig's bound, so the import says so.
TEST_F(CalibrationImportHostile, DistortionARigFileWouldRefuseIsRefusedAtImport) {
  const fs::path cameras =
      write("cameras.txt", "4 OPENCV 1920 1080 1150.0 1152.0 958.0 542.0 -1. 2537220.05 0 0\n");
  const fs::path images = write("images.txt", "1 1 0 0 0 0 0 0 4 view4.jpg\n\n");
  EXPECT_THAT(import_error({cameras, images}, CalibrationFormat::kColmap),
              HasSubstr("images.txt:1: Camera: distortion coefficient k = 2537220.05 is not "
                        "finite or beyond +-1000"));
}

TEST_F(CalibrationImportHostile, DeviceOrFifoIsRefusedWithoutReading) {
  const fs::path fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const CalibrationFormat format : {CalibrationFormat::kToml, CalibrationFormat::kPanoptic}) {
    EXPECT_THAT(import_error({"/dev/zero"}, format), HasSubstr("/dev/zero: is a character device"))
        << to_string(format);
    EXPECT_THAT(import_error({fifo}, format), HasSubstr("FIFO")) << to_string(format);
  }
  const fs::path images = write("images.txt", "");
  EXPECT_THAT(import_error({"/dev/zero", images}, CalibrationFormat::kColmap),
              HasSubstr("/dev/zero: is a character device"));
  EXPECT_THAT(import_error({fifo, images}, CalibrationFormat::kColmap), HasSubstr("FIFO"));
#if defined(MVPOSE3D_TEST_WITH_OPENCV)
  EXPECT_THAT(import_error({"/dev/zero"}, CalibrationFormat::kOpenCv),
              HasSubstr("/dev/zero: is a character device"));
  EXPECT_THAT(import_error({fifo}, CalibrationFormat::kOpenCv), HasSubstr("FIFO"));
#endif
}

// Panoptic's numbers were flattened by a recursion as deep as the file's lists, and a wrong value
// was printed whole (json::dump, another such recursion).
TEST_F(CalibrationImportHostile, PanopticListsNestedDeeplyAreAnErrorNotARecursion) {
  const std::string deep = std::string(100000, '[') + "1" + std::string(100000, ']');
  const fs::path panoptic =
      write("deep.json", R"({"cameras": [{"name": "00_00", "K": )" + deep + "}]}");
  EXPECT_THAT(import_error({panoptic}, CalibrationFormat::kPanoptic),
              HasSubstr("K: expected numbers (in lists nested at most 4 deep), found lists nested "
                        "deeper"));
}

// The same json::out_of_range as the keypoint importers' (fuzz/regressions/coco_keypoints/):
// Panoptic caught only json::parse_error.
TEST_F(CalibrationImportHostile, PanopticNumberBeyondADoubleIsAnError) {
  const fs::path panoptic = write("overflow.json", R"({"cameras": [{"K": [1e400]}]})");
  EXPECT_THAT(import_error({panoptic}, CalibrationFormat::kPanoptic),
              HasSubstr("overflow.json: invalid JSON: [json.exception.out_of_range.406]"));
}

#if defined(MVPOSE3D_TEST_WITH_OPENCV)
// fuzz/regressions/opencv_calibration/opencv_matrix_header_allocates_16_gib.yml: OpenCV allocates
// an !!opencv-matrix from its rows and cols before reading its data; a garbled `cols` asked for
// 16 GiB. The header is now checked against the data first.
TEST_F(CalibrationImportHostile, OpenCvMatrixHeaderBeyondItsDataIsAnErrorNotAHugeAllocation) {
  const fs::path file =
      write("camera.yml",
            "%YAML:1.0\n---\ncamera_matrix: !!opencv-matrix\n   rows: 3\n   cols: 2147483647\n"
            "   dt: d\n   data: [ 820., 0., 319.5, 0., 818., 239.5, 0., 0., 1. ]\n");
  EXPECT_THAT(import_error({file}, CalibrationFormat::kOpenCv),
              HasSubstr("camera.yml: camera_matrix: rows × cols = 3 × 2147483647 (each 1 to 16), "
                        "but data holds 9 numbers"));
  const fs::path text = write("text.yml", "%YAML:1.0\n---\ncamera_matrix: [1, 2]\n");
  EXPECT_THAT(import_error({text}, CalibrationFormat::kOpenCv),
              HasSubstr("camera_matrix: expected an !!opencv-matrix (rows, cols, dt, data)"));
}

// fuzz/library_faults/opencv_calibration/yaml_empty_nested_key_length_error.yml: OpenCV 4.6's YAML
// parser throws std::length_error (no cv::Exception) on a nested key that is empty; it left the
// importer uncaught (std::terminate in the command).
TEST_F(CalibrationImportHostile, OpenCvParserFailingWithAStdExceptionIsAnError) {
  const fs::path file = write("empty_key.yml", "%YAML:1.0\n---\nd:\n   a: 1\n   :b\n");
  EXPECT_THAT(import_error({file}, CalibrationFormat::kOpenCv),
              HasSubstr("empty_key.yml: not a readable OpenCV FileStorage file: OpenCV's parser "
                        "failed"));
}

// fuzz/regressions/opencv_calibration/top_level_list_asserts_in_key_lookup: a file whose top level
// is a list made every key lookup throw cv::Exception (an assertion in FileNode::operator[]),
// uncaught.
TEST_F(CalibrationImportHostile, OpenCvFileWhoseTopLevelIsAListIsAnError) {
  const fs::path file = write("list.yml", "%YAML:1.0\n---\n- a\n- b\n");
  EXPECT_THAT(import_error({file}, CalibrationFormat::kOpenCv),
              HasSubstr("list.yml: expected a map of keys at the top level"));
}

// fuzz/library_faults/opencv_calibration/xml_nul_bytes_in_attribute_segfault.xml: OpenCV 4.6's XML
// parser dereferences null on NUL bytes in an attribute (a segfault in FileStorage::open). Text
// FileStorage files hold no NUL byte: such a file is refused before OpenCV sees it.
TEST_F(CalibrationImportHostile, OpenCvFileWithNulBytesIsRefusedBeforeOpenCvParsesIt) {
  const fs::path file =
      write("nul.xml",
            std::string("<?xml version=\"1.0\"?>\n<opencv_storage>\n<d type_id=") +
                std::string(8, '\0') + "\"opencv-matrix\"></d>\n</opencv_storage>\n");
  EXPECT_THAT(import_error({file}, CalibrationFormat::kOpenCv),
              HasSubstr("nul.xml: a NUL byte at offset 50: not a text OpenCV FileStorage file"));
}

// fuzz/library_faults/opencv_calibration/easymocap_yaml_parser_hang.yml: OpenCV 4.6's YAML parser
// loops for ever inside FileStorage::open (here the smallest input found, and the fuzzer's
// EasyMocap pair). OpenCV now parses in a child process that is killed at the time limit.
TEST_F(CalibrationImportHostile, OpenCvParserThatNeverFinishesIsStoppedAtItsTimeLimitWithAnError) {
  const auto import_with_limit = [](std::vector<fs::path> inputs, CalibrationFormat format) {
    return error_of([&] {
      CalibrationImport request;
      request.inputs = std::move(inputs);
      request.format = format;
      request.units = LengthUnit::kMillimetre;
      request.opencv_parse_limit_s = 1.0;
      (void)import_calibration(request);
    });
  };
  const fs::path file = write("hang.yml", "%YAML 1.\n---m:n\ne  -\n");
  EXPECT_EQ(
      import_with_limit({file}, CalibrationFormat::kOpenCv),
      (dir_ / "hang.yml").string() + ": OpenCV's FileStorage parser did not finish within 1 s");

  const char* root = std::getenv("MVPOSE3D_SOURCE_DIR");
  std::ifstream in((root != nullptr ? fs::path(root) : fs::current_path()) / "fuzz" /
                       "library_faults" / "opencv_calibration" / "easymocap_yaml_parser_hang.yml",
                   std::ios::binary);
  const std::string pair((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t cut = pair.find("\n#---\n");
  ASSERT_NE(cut, std::string::npos);
  const fs::path intri = write("intri.yml", pair.substr(0, cut + 1));
  const fs::path extri = write("extri.yml", pair.substr(cut + 6));
  EXPECT_THAT(import_with_limit({intri, extri}, CalibrationFormat::kEasyMocap),
              HasSubstr("intri.yml, " + extri.string() +
                        ": OpenCV's FileStorage parser did not finish within 1 s"));
}

// EasyMocap names written as numbers are matched back to their K_<digits> keys; a key of 30 digits
// made std::stoll throw std::out_of_range.
TEST_F(CalibrationImportHostile, EasyMocapKeyWithHugeNumberIsNoMatchNotAnException) {
  const std::string k =
      ": !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: [ 1000., 0., 500., 0., "
      "1000., 400., 0., 0., 1. ]\n";
  const fs::path intri =
      write("intri.yml",
            "%YAML:1.0\n---\nnames:\n   - 1\nK_123456789012345678901234567890" + k + "K_001" + k);
  const std::string e = import_error({intri, intri}, CalibrationFormat::kEasyMocap);
  EXPECT_THAT(e, ::testing::Not(HasSubstr("stoll")));
  EXPECT_THAT(e, HasSubstr("intri.yml"));
}
#endif

}  // namespace
}  // namespace mvpose3d
