#include "mvpose3d/data/synthetic/bvh.h"

#include "mvpose3d/config/data_config.h"
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/geometry/skeleton.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include <Eigen/Geometry>

namespace mvpose3d {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string>& channel_names() {
  static const std::vector<std::string> names{
      "Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation"};
  return names;
}

struct Token {
  std::string text;
  int line;
};

// Whitespace-separated tokens of the hierarchy, with their 1-based line numbers; stops after the
// MOTION keyword and reports the line it was on.
class Tokens {
 public:
  Tokens(const std::vector<std::string>& lines, std::string source) : source_(std::move(source)) {
    for (std::size_t i = 0; i < lines.size() && !motion_found_; ++i) {
      std::istringstream in(lines[i]);
      std::string word;
      while (in >> word) {
        tokens_.push_back({word, static_cast<int>(i) + 1});
        if (word == "MOTION") {
          motion_found_ = true;
          motion_line_ = static_cast<int>(i) + 1;
          break;
        }
      }
    }
  }

  bool done() const { return pos_ >= tokens_.size(); }
  const Token& peek() const {
    if (done()) fail(last_line(), "unexpected end of the hierarchy (missing '}' or MOTION?)");
    return tokens_[pos_];
  }
  Token next() {
    const Token t = peek();
    ++pos_;
    return t;
  }
  void expect(const std::string& word, const std::string& context) {
    const Token t = next();
    if (t.text != word) {
      fail(t.line, fmt::format("expected '{}' {}, got '{}'", word, context, t.text));
    }
  }
  double number(const std::string& what) {
    const Token t = next();
    const double v = parse_number(t, what);
    if (!std::isfinite(v))
      fail(t.line, fmt::format("{} is '{}', not a finite number", what, t.text));
    return v;
  }
  double parse_number(const Token& t, const std::string& what) const {
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(t.text.c_str(), &end);
    if (end == t.text.c_str() || *end != '\0' || errno == ERANGE) {
      fail(t.line, fmt::format("expected a number for {}, got '{}'", what, t.text));
    }
    return v;
  }
  [[noreturn]] void fail(int line, const std::string& what) const {
    // Escaped and shortened: a binary file given by mistake must not put raw bytes on the terminal.
    throw Error(fmt::format("{}:{}: {}", source_, line, printable_excerpt(what, 300)));
  }
  int last_line() const { return tokens_.empty() ? 1 : tokens_.back().line; }
  bool motion_found() const { return motion_found_; }
  int motion_line() const { return motion_line_; }

 private:
  std::string source_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  bool motion_found_ = false;
  int motion_line_ = 0;
};

// How deep JOINTs may nest. A human skeleton is about 10 deep (hips to finger tips), hand rigs
// about 30; the parser recurses once per level, and a file of 20,000 nested joints overflowed the
// stack.
constexpr int kMaxJointDepth = 256;

// Parses "{ OFFSET ... [CHANNELS ...] (JOINT ...| End Site ...)* }" for the joint just named, at
// nesting `depth` (the root is 0).
void parse_joint_body(
    Tokens& t, BvhMotion& m, int index, const std::string& context, int depth = 0) {
  t.expect("{", "after '" + context + "'");
  t.expect("OFFSET", "at the start of '" + context + "'");
  Eigen::Vector3d offset;
  for (int k = 0; k < 3; ++k) offset(k) = t.number("OFFSET of '" + context + "'");
  m.joints[static_cast<std::size_t>(index)].offset = offset;
  if (m.joints[static_cast<std::size_t>(index)].end_site) {
    t.expect("}", "to close '" + context + "'");
    return;
  }
  if (t.peek().text == "CHANNELS") {
    t.next();
    const Token count = t.next();
    const double n = t.parse_number(count, "the channel count of '" + context + "'");
    if (!(n >= 0 && n <= 6) || n != static_cast<int>(n)) {
      t.fail(
          count.line,
          fmt::format(
              "channel count of '{}' must be an integer in [0, 6], got '{}'", context, count.text));
    }
    auto& joint = m.joints[static_cast<std::size_t>(index)];
    joint.first_channel = m.num_channels;
    for (int k = 0; k < static_cast<int>(n); ++k) {
      const Token c = t.next();
      const auto& names = channel_names();
      const auto it = std::find(names.begin(), names.end(), c.text);
      if (it == names.end()) {
        const bool structural = c.text == "JOINT" || c.text == "End" || c.text == "}" ||
                                c.text == "{" || c.text == "OFFSET" || c.text == "CHANNELS";
        t.fail(c.line,
               structural
                   ? fmt::format(
                         "'{}' declares {} channels but lists {}", context, static_cast<int>(n), k)
                   : fmt::format("unknown channel '{}' in '{}' (known: {})",
                                 c.text,
                                 context,
                                 fmt::join(names, ", ")));
      }
      joint.channels.push_back(static_cast<BvhChannel>(it - names.begin()));
    }
    m.num_channels += static_cast<int>(n);
  }
  while (true) {
    const Token k = t.next();
    if (k.text == "}") return;
    if ((k.text == "JOINT" || k.text == "End") && depth + 1 > kMaxJointDepth) {
      t.fail(k.line,
             fmt::format("joints nest more than {} levels deep (in '{}'); a skeleton has tens",
                         kMaxJointDepth,
                         context));
    }
    if (k.text == "JOINT") {
      const Token name = t.next();
      BvhJoint j;
      j.name = name.text;
      j.parent = index;
      if (m.find(j.name) >= 0) t.fail(name.line, fmt::format("duplicate joint name '{}'", j.name));
      m.joints.push_back(j);
      parse_joint_body(t, m, static_cast<int>(m.joints.size()) - 1, "JOINT " + j.name, depth + 1);
    } else if (k.text == "End") {
      t.expect("Site", "after 'End'");
      BvhJoint j;
      j.name = m.joints[static_cast<std::size_t>(index)].name + "_End";
      j.parent = index;
      j.end_site = true;
      m.joints.push_back(j);
      parse_joint_body(
          t, m, static_cast<int>(m.joints.size()) - 1, "End Site of " + context, depth + 1);
    } else {
      t.fail(k.line,
             fmt::format("expected JOINT, End Site or '}}' in '{}', got '{}'", context, k.text));
    }
  }
}

Eigen::Matrix3d axis_rotation(BvhChannel c, double deg) {
  const double rad = deg * 3.14159265358979323846 / 180.0;
  const Eigen::Vector3d axis = c == BvhChannel::kXrotation   ? Eigen::Vector3d::UnitX()
                               : c == BvhChannel::kYrotation ? Eigen::Vector3d::UnitY()
                                                             : Eigen::Vector3d::UnitZ();
  return Eigen::AngleAxisd(rad, axis).toRotationMatrix();
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

int BvhMotion::find(const std::string& name) const {
  for (std::size_t i = 0; i < joints.size(); ++i) {
    if (joints[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<Eigen::Vector3d> BvhMotion::positions(int frame) const {
  MVPOSE3D_CHECK(frame >= 0 && frame < num_frames(),
                 "{}: frame {} out of range [0, {})",
                 source,
                 frame,
                 num_frames());
  const double* v = values.data() + static_cast<std::size_t>(frame) * num_channels;
  std::vector<Eigen::Vector3d> pos(joints.size());
  std::vector<Eigen::Matrix3d> rot(joints.size());
  for (std::size_t i = 0; i < joints.size(); ++i) {
    const BvhJoint& j = joints[i];
    Eigen::Vector3d t = j.offset;
    Eigen::Matrix3d r = Eigen::Matrix3d::Identity();
    for (std::size_t c = 0; c < j.channels.size(); ++c) {
      const double x = v[j.first_channel + static_cast<int>(c)];
      switch (j.channels[c]) {
        case BvhChannel::kXposition:
          t.x() += x;
          break;
        case BvhChannel::kYposition:
          t.y() += x;
          break;
        case BvhChannel::kZposition:
          t.z() += x;
          break;
        default:
          r = r * axis_rotation(j.channels[c], x);
          break;
      }
    }
    if (j.parent < 0) {
      pos[i] = t;
      rot[i] = r;
    } else {
      const auto p = static_cast<std::size_t>(j.parent);
      pos[i] = pos[p] + rot[p] * t;
      rot[i] = rot[p] * r;
    }
  }
  return pos;
}

BvhMotion parse_bvh(const std::string& text, const std::string& source) {
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
  }
  BvhMotion m;
  m.source = source;
  Tokens t(lines, source);
  t.expect("HIERARCHY", "at the start of the file");
  t.expect("ROOT", "after HIERARCHY");
  BvhJoint root;
  root.name = t.next().text;
  m.joints.push_back(root);
  parse_joint_body(t, m, 0, "ROOT " + root.name);
  if (!t.done()) {
    const Token k = t.next();
    if (k.text != "MOTION") {
      t.fail(k.line,
             fmt::format("expected MOTION after the hierarchy, got '{}' (a second ROOT "
                         "or an extra '}}'?)",
                         k.text));
    }
  }
  if (!t.motion_found()) t.fail(t.last_line(), "no MOTION section");

  // MOTION: "Frames: N", "Frame Time: T", then one line of values per frame.
  std::size_t i = static_cast<std::size_t>(t.motion_line());  // the line after MOTION
  auto next_line = [&]() -> std::string {
    while (i < lines.size() && trim(lines[i]).empty()) ++i;
    if (i >= lines.size()) return "";
    return trim(lines[i++]);
  };
  const std::string frames_line = next_line();
  const int frames_line_no = static_cast<int>(i);
  if (frames_line.rfind("Frames:", 0) != 0) {
    t.fail(frames_line_no, fmt::format("expected 'Frames: N', got '{}'", frames_line));
  }
  const Token frames_token{trim(frames_line.substr(7)), frames_line_no};
  const double frames = t.parse_number(frames_token, "Frames");
  if (!(frames >= 0 && frames <= std::numeric_limits<int>::max()) ||
      frames != static_cast<long>(frames)) {
    t.fail(frames_line_no,
           fmt::format("Frames must be a non-negative integer, got '{}'", frames_token.text));
  }
  const std::string time_line = next_line();
  const int time_line_no = static_cast<int>(i);
  if (time_line.rfind("Frame Time:", 0) != 0) {
    t.fail(time_line_no, fmt::format("expected 'Frame Time: SECONDS', got '{}'", time_line));
  }
  m.frame_time_s = t.parse_number({trim(time_line.substr(11)), time_line_no}, "Frame Time");
  if (!(m.frame_time_s > 0) || !std::isfinite(m.frame_time_s)) {
    t.fail(time_line_no, fmt::format("Frame Time must be > 0, got {}", m.frame_time_s));
  }
  // The header's frame count is not trusted for the allocation ("Frames: 100000000" over five
  // lines reserved 43 GB): at most one frame per remaining line.
  const std::size_t frames_possible = std::min(static_cast<std::size_t>(frames), lines.size() - i);
  m.values.reserve(frames_possible * static_cast<std::size_t>(m.num_channels));
  // The joint of each channel, to name it when a value is not finite.
  std::vector<std::string> channel_joint(static_cast<std::size_t>(m.num_channels));
  for (const BvhJoint& j : m.joints) {
    for (std::size_t c = 0; c < j.channels.size(); ++c)
      channel_joint[static_cast<std::size_t>(j.first_channel) + c] = j.name;
  }
  int frame = 0;
  while (true) {
    const std::string line = next_line();
    if (line.empty()) break;
    const int line_no = static_cast<int>(i);
    std::istringstream in(line);
    std::string word;
    int count = 0;
    while (in >> word) {
      const double value = t.parse_number({word, line_no}, fmt::format("frame {}", frame));
      if (!std::isfinite(value)) {
        t.fail(line_no,
               fmt::format("frame {} value {} ({}) is '{}', not a finite number",
                           frame,
                           count + 1,
                           count < m.num_channels
                               ? "joint " + channel_joint[static_cast<std::size_t>(count)]
                               : std::string("past the last channel"),
                           word));
      }
      m.values.push_back(value);
      ++count;
    }
    if (count != m.num_channels) {
      t.fail(line_no,
             fmt::format("frame {} has {} values, the hierarchy has {} channels",
                         frame,
                         count,
                         m.num_channels));
    }
    ++frame;
  }
  if (frame != static_cast<long>(frames)) {
    t.fail(frames_line_no,
           fmt::format("'Frames: {}' but the file has {} frame lines", frames_token.text, frame));
  }
  return m;
}

BvhMotion load_bvh(const fs::path& path) {
  return parse_bvh(read_text_file(path), path.string());
}

std::map<std::string, std::string> cmu_joint_map() {
  // The config's default map is the one source of these names.
  return BvhDataConfig{}.joint_map;
}

RetargetedClip::RetargetedClip(const BvhMotion& motion, const BvhRetargetOptions& options)
    : source_(motion.source), frame_time_s_(motion.frame_time_s) {
  const Skeleton& skeleton = h36m17_skeleton();
  MVPOSE3D_CHECK(options.up_axis == "y" || options.up_axis == "z",
                 "{}: retarget up_axis must be y or z, got '{}'",
                 source_,
                 options.up_axis);
  MVPOSE3D_CHECK(options.scale_to_mm > 0,
                 "{}: retarget scale_to_mm must be > 0, got {}",
                 source_,
                 options.scale_to_mm);
  for (const auto& [key, value] : options.joint_map) {
    const auto& names = skeleton.joint_names;
    MVPOSE3D_CHECK(std::find(names.begin(), names.end(), key) != names.end(),
                   "{}: joint map key '{}' is not an H36M-17 joint (joints: {})",
                   source_,
                   key,
                   fmt::join(names, ", "));
  }
  // Per H36M-17 joint: the BVH joints it averages.
  std::vector<std::vector<int>> sources(static_cast<std::size_t>(skeleton.num_joints()));
  std::vector<std::string> bvh_names;
  for (const auto& j : motion.joints) bvh_names.push_back(j.name);
  for (int k = 0; k < skeleton.num_joints(); ++k) {
    const std::string& name = skeleton.joint_names[static_cast<std::size_t>(k)];
    const auto it = options.joint_map.find(name);
    MVPOSE3D_CHECK(it != options.joint_map.end(),
                   "{}: joint map has no entry for H36M-17 joint '{}'",
                   source_,
                   name);
    std::string rest = it->second;
    while (true) {
      const auto plus = rest.find('+');
      const std::string part = trim(rest.substr(0, plus));
      const int index = motion.find(part);
      MVPOSE3D_CHECK(index >= 0,
                     "{}: joint map '{}: {}': the BVH has no joint '{}' (joints: {})",
                     source_,
                     name,
                     it->second,
                     part,
                     fmt::join(bvh_names, ", "));
      sources[static_cast<std::size_t>(k)].push_back(index);
      if (plus == std::string::npos) break;
      rest = rest.substr(plus + 1);
    }
  }

  // BVH axes → world (z up), then mm.
  Eigen::Matrix3d to_world = Eigen::Matrix3d::Identity();
  if (options.up_axis == "y") to_world << 1, 0, 0, 0, 0, -1, 0, 1, 0;  // (x, y, z) → (x, −z, y)
  to_world *= options.scale_to_mm;
  joints_.resize(static_cast<std::size_t>(motion.num_frames()));
  for (int f = 0; f < motion.num_frames(); ++f) {
    const std::vector<Eigen::Vector3d> p = motion.positions(f);
    synthetic::Joints& out = joints_[static_cast<std::size_t>(f)];
    for (std::size_t k = 0; k < out.size(); ++k) {
      Eigen::Vector3d sum = Eigen::Vector3d::Zero();
      for (const int s : sources[k]) sum += p[static_cast<std::size_t>(s)];
      out[k] = to_world * (sum / static_cast<double>(sources[k].size()));
    }
  }
  if (options.recenter && !joints_.empty()) {
    Eigen::Vector3d mean = Eigen::Vector3d::Zero();
    for (const auto& j : joints_) mean += j[0];
    mean /= static_cast<double>(joints_.size());
    mean.z() = 0;
    for (auto& j : joints_) {
      for (auto& x : j) x -= mean;
    }
  }
  if (options.floor_contact) {
    for (auto& j : joints_) {
      const double dz = options.ankle_height_mm - std::min(j[3].z(), j[6].z());
      for (auto& x : j) x.z() += dz;
    }
  }
}

std::vector<fs::path> find_bvh_files(const std::vector<std::string>& files_or_folders) {
  std::vector<fs::path> out;
  for (const std::string& entry : files_or_folders) {
    const fs::path p(entry);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(p)) {
        std::string ext = e.path().extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
        if (e.is_regular_file() && ext == ".bvh") out.push_back(e.path());
      }
    } else if (fs::is_regular_file(p, ec)) {
      out.push_back(p);
    } else {
      throw Error(fmt::format("BVH input '{}': no such file or folder", entry));
    }
  }
  std::sort(out.begin(), out.end());
  MVPOSE3D_CHECK(
      !out.empty(), "BVH input [{}]: no .bvh file found", fmt::join(files_or_folders, ", "));
  return out;
}

}  // namespace mvpose3d
