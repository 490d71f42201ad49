#include "mvpose3d/core/npy.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/tensor_npy.h"

#include <filesystem>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace mvpose3d {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  fs::path dir = fs::temp_directory_path() / ("mvpose3d_npy_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

TEST(Npy, RoundTripsEveryDtypeAndShape) {
  const fs::path dir = temp_dir();
  for (auto type : {at::kFloat, at::kDouble, at::kLong, at::kInt, at::kByte, at::kBool}) {
    for (std::vector<int64_t> shape : {std::vector<int64_t>{}, {5}, {3, 4, 2}, {0, 3}}) {
      const at::Tensor t = (at::rand(shape, at::kDouble) * 100).to(type);
      save_npy_tensor(dir / "a.npy", t);
      const at::Tensor back = load_npy_tensor(dir / "a.npy");
      ASSERT_EQ(back.scalar_type(), type);
      ASSERT_EQ(back.sizes(), t.sizes());
      EXPECT_TRUE(at::equal(back, t));
    }
  }
  fs::remove_all(dir);
}

TEST(Npy, WritesNumpyCompatibleHeader) {
  const std::string bytes = serialize_npy(tensor_to_npy(at::zeros({2, 3}, at::kFloat)));
  EXPECT_EQ(bytes.substr(1, 5), "NUMPY");
  EXPECT_EQ((bytes.size() - 2 * 3 * 4) % 64, 0u);  // data aligned to 64 bytes
  EXPECT_NE(bytes.find("'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"),
            std::string::npos);
}

TEST(Npy, RejectsTruncatedData) {
  std::string bytes = serialize_npy(tensor_to_npy(at::zeros({4}, at::kDouble)));
  bytes.resize(bytes.size() - 3);
  try {
    parse_npy(bytes, "x.npy");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("x.npy: data holds 29 bytes but dtype f8 and shape (4) need 32"),
        std::string::npos)
        << e.what();
  }
}

TEST(Npy, RejectsNonNpyAndFortranOrder) {
  EXPECT_THROW(parse_npy("hello world", "h.npy"), Error);
  std::string bytes = serialize_npy(tensor_to_npy(at::zeros({2, 2}, at::kFloat)));
  bytes.replace(bytes.find("False"), 5, "True ");
  EXPECT_THROW(parse_npy(bytes, "f.npy"), Error);
}

TEST(Npy, MissingFileNamesThePath) {
  try {
    read_npy("/nonexistent/dir/p.npy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/dir/p.npy: no such file");
  }
}

std::string parse_error(const std::string& bytes) {
  try {
    parse_npy(bytes, "h.npy");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// A version 1.0 .npy image with the given header dict and data.
std::string npy_with_header(const std::string& dict, const std::string& data) {
  std::string header = dict + "\n";
  std::string out = "\x93NUMPY";
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header + data;
}

// "(-1, 5)" was read as (1, 5): the minus sign was skipped.
TEST(Npy, NegativeDimensionIsRejected) {
  const std::string bytes = npy_with_header(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 5), }", std::string(20, '\0'));
  EXPECT_NE(parse_error(bytes).find("h.npy: bad .npy header: shape: negative dimension"),
            std::string::npos)
      << parse_error(bytes);
}

TEST(Npy, DuplicateHeaderKeyIsRejected) {
  const std::string bytes =
      npy_with_header("{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                      std::string(8, '\0'));
  EXPECT_EQ(parse_error(bytes), "h.npy: bad .npy header: duplicate key 'descr'");
}

// 2^32 x 2^32 elements wrapped to 0 and passed the size check of an empty file.
TEST(Npy, ElementCountOverflowingSixtyFourBitsIsRejected) {
  const std::string bytes = npy_with_header(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "");
  EXPECT_NE(parse_error(bytes).find("more elements than a 64-bit count holds"), std::string::npos)
      << parse_error(bytes);
  const std::string bytes2 = npy_with_header(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }", "");
  EXPECT_NE(parse_error(bytes2).find("needs more bytes than a 64-bit count holds"),
            std::string::npos)
      << parse_error(bytes2);
}

TEST(Npy, UnknownOrMissingHeaderKeysAreRejected) {
  EXPECT_NE(parse_error(npy_with_header("{'descr': '<f4', 'shape': (1,), }", "xxxx"))
                .find("header has no fortran_order"),
            std::string::npos);
  EXPECT_NE(parse_error(
                npy_with_header(
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x\x01': 1}", "xxxx"))
                .find("unknown key 'x\\x01'"),
            std::string::npos);
}

// `triangulate --points2d /dev/zero` grew until killed.
TEST(Npy, DevZeroIsRefused) {
  try {
    read_npy("/dev/zero");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "/dev/zero: is a character device, expected a regular file");
  }
}

// A header that promises more data than the file has fails before the data is read.
TEST(Npy, FileShorterThanItsHeaderSaysIsRejectedBeforeReadingTheData) {
  const fs::path dir = temp_dir();
  write_file_atomic(
      dir / "short.npy",
      npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000,), }",
                      std::string(16, '\0')));
  try {
    read_npy(dir / "short.npy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("data holds 16 bytes but dtype f8 and shape "
                                         "(100000000000) need 800000000000"),
              std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mvpose3d
