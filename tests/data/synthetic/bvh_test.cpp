// BVH: parsing, forward kinematics with known offsets and rotations, retargeting to H36M-17,
// errors that name the file and line, and BVH motion inside the synthetic dataset.
#include "mvpose3d/data/synthetic/bvh.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/synthetic/synthetic_dataset.h"

#include <cstdio>
#include <filesystem>
#include <string>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "data/synthetic/test_util.h"

namespace mvpose3d {
namespace {

// A CMU-style hierarchy (y up, facing +z, left = +x), 6 + 16·3 = 54 channels per frame.
std::string test_bvh(const std::string& frames_block) {
  auto limb = [](const std::string& name, const std::string& offset, const std::string& inner) {
    return "JOINT " + name + "\n{\nOFFSET " + offset +
           "\nCHANNELS 3 Zrotation Xrotation Yrotation\n" + inner + "}\n";
  };
  auto end = [](const std::string& offset) { return "End Site\n{\nOFFSET " + offset + "\n}\n"; };
  const std::string legs =
      limb("RightUpLeg",
           "-10 0 0",
           limb("RightLeg", "0 -45 0", limb("RightFoot", "0 -44 0", end("0 0 10")))) +
      limb("LeftUpLeg",
           "10 0 0",
           limb("LeftLeg", "0 -45 0", limb("LeftFoot", "0 -44 0", end("0 0 10"))));
  const std::string arms =
      limb("LeftArm",
           "15 8 0",
           limb("LeftForeArm", "28 0 0", limb("LeftHand", "25 0 0", end("5 0 0")))) +
      limb("RightArm",
           "-15 8 0",
           limb("RightForeArm", "-28 0 0", limb("RightHand", "-25 0 0", end("-5 0 0"))));
  const std::string spine =
      limb("Spine",
           "0 20 0",
           limb("Spine1",
                "0 20 0",
                limb("Neck", "0 10 0", limb("Head", "0 10 2", end("0 12 0"))) + arms));
  return "HIERARCHY\nROOT Hips\n{\n  OFFSET 0 0 0\n"
         "  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation\n" +
         legs + spine + "}\nMOTION\n" + frames_block;
}

// Frame 0: root at (1, 90, 2), no rotation. Frame 1: root at (1, 90, 2) turned 90° about y, and
// the left elbow (LeftForeArm) bent 90° about z.
std::string two_frames() {
  std::string f0 = "1 90 2", f1 = "1 90 2 0 0 90";
  for (int k = 0; k < 3 + 16 * 3; ++k) f0 += " 0";
  // Joints in file order: RightUpLeg RightLeg RightFoot LeftUpLeg LeftLeg LeftFoot Spine Spine1
  // Neck Head LeftArm LeftForeArm LeftHand RightArm RightForeArm RightHand.
  for (int j = 0; j < 16; ++j) f1 += j == 11 ? " 90 0 0" : " 0 0 0";
  return "Frames: 2\nFrame Time: 0.0083333\n" + f0 + "\n" + f1 + "\n";
}

TEST(Bvh, ParsesTheHierarchyAndChannels) {
  const BvhMotion m = parse_bvh(test_bvh(two_frames()), "test.bvh");
  EXPECT_EQ(m.num_channels, 54);
  EXPECT_EQ(m.num_frames(), 2);
  EXPECT_DOUBLE_EQ(m.frame_time_s, 0.0083333);
  EXPECT_EQ(m.joints.size(), 17u + 5u);  // 17 joints and 5 End Sites
  EXPECT_EQ(m.joints[0].name, "Hips");
  EXPECT_EQ(m.joints[0].channels.size(), 6u);
  const int head_end = m.find("Head_End");
  ASSERT_GE(head_end, 0);
  EXPECT_TRUE(m.joints[static_cast<std::size_t>(head_end)].end_site);
  EXPECT_EQ(m.joints[static_cast<std::size_t>(head_end)].parent, m.find("Head"));
  EXPECT_EQ(m.joints[static_cast<std::size_t>(m.find("LeftForeArm"))].first_channel, 6 + 11 * 3);
}

TEST(Bvh, ForwardKinematicsWithKnownOffsetsAndRotations) {
  const BvhMotion m = parse_bvh(test_bvh(two_frames()), "test.bvh");
  auto at = [&](int frame, const std::string& joint) {
    return m.positions(frame)[static_cast<std::size_t>(m.find(joint))];
  };
  const double tol = 1e-9;
  EXPECT_LT((at(0, "Hips") - Eigen::Vector3d(1, 90, 2)).norm(), tol);
  EXPECT_LT((at(0, "LeftHand") - Eigen::Vector3d(69, 138, 2)).norm(), tol);
  EXPECT_LT((at(0, "RightFoot") - Eigen::Vector3d(-9, 1, 2)).norm(), tol);
  EXPECT_LT((at(0, "Head_End") - Eigen::Vector3d(1, 162, 4)).norm(), tol);
  // Frame 1: Ry(90°)·(x, y, z) = (z, y, −x); the hand's offset is first turned by the elbow's
  // Rz(90°): (25, 0, 0) → (0, 25, 0).
  EXPECT_LT((at(1, "LeftForeArm") - Eigen::Vector3d(1, 138, 2 - 43)).norm(), tol);
  EXPECT_LT((at(1, "LeftHand") - Eigen::Vector3d(1, 163, 2 - 43)).norm(), tol);
  EXPECT_LT((at(1, "LeftHand_End") - Eigen::Vector3d(1, 168, 2 - 43)).norm(), tol);
  EXPECT_LT((at(1, "RightUpLeg") - Eigen::Vector3d(1, 90, 2 + 10)).norm(), tol);
}

TEST(Bvh, RetargetsToH36m17InWorldMillimetresZUp) {
  const BvhMotion m = parse_bvh(test_bvh(two_frames()), "test.bvh");
  BvhRetargetOptions o;
  o.joint_map = cmu_joint_map();
  o.scale_to_mm = 10;
  o.up_axis = "y";
  o.recenter = false;
  o.floor_contact = false;
  const RetargetedClip clip(m, o);
  ASSERT_EQ(clip.frames(), 2);
  // (x, y, z)_bvh → 10·(x, −z, y).
  auto world = [](double x, double y, double z) {
    return Eigen::Vector3d(10 * x, -10 * z, 10 * y);
  };
  EXPECT_LT((clip.frame(0)[0] - world(1, 90, 2)).norm(), 1e-9);      // Pelvis ← Hips
  EXPECT_LT((clip.frame(0)[13] - world(69, 138, 2)).norm(), 1e-9);   // LWrist ← LeftHand
  EXPECT_LT((clip.frame(0)[10] - world(1, 162, 4)).norm(), 1e-9);    // HeadTop ← Head_End
  EXPECT_LT((clip.frame(1)[13] - world(1, 163, -41)).norm(), 1e-9);  // frame 1
  // A mean of several joints.
  o.joint_map["Spine"] = "Spine+Spine1";
  const RetargetedClip mean(m, o);
  EXPECT_LT((mean.frame(0)[7] - world(1, 120, 2)).norm(), 1e-9);
  // Recentering and floor contact.
  o.recenter = true;
  o.floor_contact = true;
  o.ankle_height_mm = 80;
  const RetargetedClip placed(m, o);
  EXPECT_NEAR(std::min(placed.frame(0)[3].z(), placed.frame(0)[6].z()), 80, 1e-9);
  EXPECT_NEAR(0.5 * (placed.frame(0)[0] + placed.frame(1)[0]).head<2>().norm(), 0, 1e-9);
  // z-up files are only scaled.
  o = BvhRetargetOptions{};
  o.joint_map = cmu_joint_map();
  o.up_axis = "z";
  o.scale_to_mm = 1;
  o.recenter = false;
  o.floor_contact = false;
  EXPECT_LT((RetargetedClip(m, o).frame(0)[0] - Eigen::Vector3d(1, 90, 2)).norm(), 1e-12);
}

std::string error_of(const std::string& text) {
  try {
    parse_bvh(text, "bad.bvh");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_has(const std::string& message, const std::string& part) {
  EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
}

TEST(Bvh, MalformedFilesNameTheLineAndWhatWasExpected) {
  const std::string good = test_bvh(two_frames());
  // A missing opening brace.
  {
    std::string text = good;
    text.replace(text.find("JOINT Spine\n{"), 13, "JOINT Spine\n");
    const std::string m = error_of(text);
    expect_has(m, "bad.bvh:");
    expect_has(m, "expected '{' after 'JOINT Spine', got 'OFFSET'");
  }
  // A missing closing brace: the hierarchy runs into MOTION.
  {
    std::string text = good;
    text.erase(text.rfind("}\nMOTION"), 2);
    const std::string m = error_of(text);
    expect_has(m, "got 'MOTION'");
  }
  // A frame line with a value too few, and a wrong frame count.
  {
    std::string text = good;
    text.erase(text.rfind(" 0 0 0\n"), 2);
    const std::string m = error_of(text);
    expect_has(m, "frame 1 has 53 values, the hierarchy has 54 channels");
    // Line of the second frame: count the lines of the good file.
    const int lines = static_cast<int>(std::count(good.begin(), good.end(), '\n'));
    expect_has(m, "bad.bvh:" + std::to_string(lines) + ":");
  }
  {
    std::string text = good;
    text.replace(text.find("Frames: 2"), 9, "Frames: 3");
    expect_has(error_of(text), "'Frames: 3' but the file has 2 frame lines");
  }
  // An unknown channel name, and fewer channel names than declared.
  {
    std::string text = good;
    text.replace(text.find("Zrotation Xrotation Yrotation\n"), 9, "Wrotation");
    const std::string m = error_of(text);
    expect_has(m, "unknown channel 'Wrotation' in 'ROOT Hips'");
    expect_has(m, "bad.bvh:5:");
  }
  {
    std::string text = good;
    const auto p = text.find("CHANNELS 3 Zrotation Xrotation Yrotation\n");
    text.replace(p, 40, "CHANNELS 3 Zrotation Xrotation");
    expect_has(error_of(text), "declares 3 channels but lists 2");
  }
  expect_has(error_of("HIERARCHY\nROOT Hips\n{\nOFFSET 0 0 x\n}\n"),
             "bad.bvh:4: expected a number for OFFSET of 'ROOT Hips', got 'x'");
  expect_has(error_of("ROOT Hips"), "bad.bvh:1: expected 'HIERARCHY'");
}

// A file of 20,000 nested JOINTs overflowed the stack (segfault): the depth is bounded.
TEST(Bvh, TwentyThousandNestedJointsIsAnErrorNotAStackOverflow) {
  std::string text = "HIERARCHY\nROOT Hips\n{\nOFFSET 0 0 0\n";
  for (int k = 0; k < 20000; ++k) text += "JOINT j" + std::to_string(k) + "\n{\nOFFSET 0 1 0\n";
  for (int k = 0; k <= 20000; ++k) text += "}\n";
  text += "MOTION\nFrames: 0\nFrame Time: 0.01\n";
  expect_has(error_of(text), "joints nest more than 256 levels deep (in 'JOINT j255')");
}

// "Frames: 2000000000" over two frame lines reserved memory for two billion frames first.
TEST(Bvh, HugeFrameCountInTheHeaderAllocatesNothing) {
  std::string text = test_bvh(two_frames());
  text.replace(text.find("Frames: 2"), 9, "Frames: 2000000000");
  expect_has(error_of(text), "'Frames: 2000000000' but the file has 2 frame lines");
  text.replace(text.find("Frames: 2000000000"), 18, "Frames: 1e300");
  expect_has(error_of(text), "Frames must be a non-negative integer, got '1e300'");
}

TEST(Bvh, NonFiniteValuesAreRefusedNamingTheJoint) {
  std::string text = test_bvh(two_frames());
  text.replace(text.rfind("1 90 2 0 0 90"), 6, "1 nan ");
  expect_has(error_of(text), "frame 1 value 2 (joint Hips) is 'nan', not a finite number");
  expect_has(error_of("HIERARCHY\nROOT Hips\n{\nOFFSET 0 inf 0\n}\n"),
             "bad.bvh:4: OFFSET of 'ROOT Hips' is 'inf', not a finite number");
  expect_has(error_of("HIERARCHY\nROOT Hips\n{\nOFFSET 0 0 0\nCHANNELS nan\n}\n"),
             "channel count of 'ROOT Hips' must be an integer in [0, 6], got 'nan'");
}

// A binary file given as BVH printed its raw bytes in the message.
TEST(Bvh, BinaryBytesInAMessageAreEscaped) {
  const std::string m = error_of(std::string("\x89PNG\r\n\x1a\n\x01\x02", 10));
  expect_has(m, "expected 'HIERARCHY' at the start of the file, got '\\x89PNG'");
}

TEST(Bvh, RetargetMapErrorsNameTheKey) {
  const BvhMotion m = parse_bvh(test_bvh(two_frames()), "walk.bvh");
  BvhRetargetOptions o;
  o.joint_map = cmu_joint_map();
  o.joint_map["LWrist"] = "LeftWrist";
  try {
    RetargetedClip clip(m, o);
    FAIL();
  } catch (const Error& e) {
    expect_has(e.what(),
               "walk.bvh: joint map 'LWrist: LeftWrist': the BVH has no joint 'LeftWrist'");
    expect_has(e.what(), "LeftHand");  // lists the joints it has
  }
  o.joint_map = cmu_joint_map();
  o.joint_map["Chin"] = "Head";
  try {
    RetargetedClip clip(m, o);
    FAIL();
  } catch (const Error& e) {
    expect_has(e.what(), "joint map key 'Chin' is not an H36M-17 joint");
  }
  o.joint_map = cmu_joint_map();
  o.joint_map.erase("RKnee");
  try {
    RetargetedClip clip(m, o);
    FAIL();
  } catch (const Error& e) {
    expect_has(e.what(), "no entry for H36M-17 joint 'RKnee'");
  }
}

TEST(Bvh, DatasetDrawsMotionCaptureSamples) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "mvpose3d_bvh_dataset_test";
  std::filesystem::create_directories(dir / "sub");
  {
    FILE* f = std::fopen((dir / "sub" / "clip.bvh").c_str(), "w");
    ASSERT_NE(f, nullptr);
    const std::string text = test_bvh(two_frames());
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  DataConfig data = mvpose3d::testing::small_synthetic_config();
  data.synthetic.bvh.files = {dir.string()};
  data.synthetic.bvh.fraction = 1.0;
  const SyntheticDataset dataset(data, 1, synthetic_train_split(data));
  EXPECT_EQ(dataset.action_names().back(), "bvh");
  BvhRetargetOptions o;
  o.joint_map = data.synthetic.bvh.joint_map;
  const RetargetedClip clip(load_bvh(dir / "sub" / "clip.bvh"), o);
  for (std::int64_t i = 0; i < 5; ++i) {
    const MultiviewSample s = dataset.get(i);
    EXPECT_EQ(s.action, "bvh");
    EXPECT_EQ(dataset.action_names()[static_cast<std::size_t>(s.action_id)], "bvh");
    ASSERT_TRUE(s.frame == 0 || s.frame == 1);
    for (int j = 0; j < 17; ++j) {
      for (int k = 0; k < 3; ++k) {
        EXPECT_DOUBLE_EQ(s.joints_world_mm[j][k].item<double>(),
                         clip.frame(static_cast<int>(s.frame))[static_cast<std::size_t>(j)](k));
      }
    }
    check_sample(s);
  }
  data.synthetic.bvh.files = {(dir / "missing.bvh").string()};
  try {
    SyntheticDataset bad(data, 1, synthetic_train_split(data));
    FAIL();
  } catch (const Error& e) {
    expect_has(e.what(), "data.synthetic.bvh: BVH input");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mvpose3d
