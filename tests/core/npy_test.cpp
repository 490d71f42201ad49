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

}  // namespace
}  // namespace mvpose3d
