#include "mvpose3d/data/synthetic/synthetic_motion.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/random.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Geometry>

namespace mvpose3d::synthetic {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;

// Stream tags: independent random streams for the parts of a sequence.
enum : std::uint64_t {
  kStreamSequence = 0x5e9u,
  kStreamKey = 0x4e7u,
  kStreamNoise = 0x9015eu,
};

Eigen::Matrix3d rot_x(double deg) {
  return Eigen::AngleAxisd(deg * kDeg, Eigen::Vector3d::UnitX()).toRotationMatrix();
}
Eigen::Matrix3d rot_y(double deg) {
  return Eigen::AngleAxisd(deg * kDeg, Eigen::Vector3d::UnitY()).toRotationMatrix();
}
Eigen::Matrix3d rot_z(double deg) {
  return Eigen::AngleAxisd(deg * kDeg, Eigen::Vector3d::UnitZ()).toRotationMatrix();
}

double smoothstep(double x) {
  x = std::clamp(x, 0.0, 1.0);
  return x * x * (3.0 - 2.0 * x);
}

int side_dof(int right_dof, int side) {
  return right_dof + side;
}  // side 0 right, 1 left

}  // namespace

const std::vector<std::string>& action_names() {
  static const std::vector<std::string> names{
      "walking", "turning", "sitting", "bending", "gestures", "reaching", "squatting", "idle"};
  return names;
}

const std::string& action_name(Action action) {
  return action_names()[static_cast<std::size_t>(action)];
}

Action action_from_name(const std::string& name) {
  const auto& names = action_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<Action>(i);
  }
  throw Error(fmt::format("unknown action '{}' (known: {})", name, fmt::join(names, ", ")));
}

BodyShape body_shape_for_subject(const std::string& subject) {
  Rng rng(hash_values({hash_string("mvpose3d.subject"), hash_string(subject)}));
  const double height = rng.uniform(0.88, 1.10);  // overall size
  const double width = rng.uniform(0.88, 1.10);   // build, independent of height
  auto vary = [&](double base, double scale) { return base * scale * rng.uniform(0.95, 1.05); };
  BodyShape b;
  b.hip_half_width_mm = vary(125, width);
  b.hip_drop_mm = vary(25, height);
  const double legs = rng.uniform(0.96, 1.04);  // leg length relative to the trunk
  b.thigh_mm = vary(450, height * legs);
  b.shin_mm = vary(440, height * legs);
  b.ankle_height_mm = vary(85, height);
  b.lumbar_mm = vary(235, height / legs);
  b.thorax_mm = vary(255, height / legs);
  b.neck_mm = vary(120, height);
  b.head_mm = vary(115, std::sqrt(height));
  b.shoulder_half_width_mm = vary(145, width);
  const double arms = rng.uniform(0.96, 1.04);
  b.upper_arm_mm = vary(280, height * arms);
  b.forearm_mm = vary(250, height * arms);
  b.girth = rng.uniform(0.85, 1.2) * std::sqrt(width);
  return b;
}

std::array<double, 2> dof_limits(int dof) {
  switch (dof) {
    case kPelvisPitch:
      return {-20, 70};
    case kPelvisRoll:
      return {-15, 15};
    case kLumbarFlex:
      return {-20, 60};
    case kLumbarLateral:
      return {-25, 25};
    case kLumbarTwist:
      return {-35, 35};
    case kThoraxFlex:
      return {-20, 45};
    case kThoraxLateral:
      return {-20, 20};
    case kThoraxTwist:
      return {-30, 30};
    case kNeckFlex:
      return {-40, 60};
    case kNeckLateral:
      return {-30, 30};
    case kNeckTwist:
      return {-75, 75};
    case kHipFlexR:
    case kHipFlexL:
      return {-30, 125};
    case kHipAbductR:
    case kHipAbductL:
      return {-15, 50};
    case kHipRotateR:
    case kHipRotateL:
      return {-35, 35};
    case kKneeR:
    case kKneeL:
      return {0, 150};
    case kShoulderFlexR:
    case kShoulderFlexL:
      return {-50, 175};
    case kShoulderAbductR:
    case kShoulderAbductL:
      return {-10, 170};
    case kShoulderRotateR:
    case kShoulderRotateL:
      return {-80, 80};
    case kElbowR:
    case kElbowL:
      return {0, 150};
    default:
      throw Error(fmt::format("dof_limits: no DOF {}", dof));
  }
}

PoseAngles clamp_to_limits(const PoseAngles& pose) {
  PoseAngles out = pose;
  for (int d = 0; d < kNumDofs; ++d) {
    const auto lim = dof_limits(d);
    out[d] = std::clamp(out[d], lim[0], lim[1]);
  }
  return out;
}

PoseAngles standing_pose() {
  PoseAngles p;
  for (int s = 0; s < 2; ++s) {
    p[side_dof(kHipAbductR, s)] = 3;
    p[side_dof(kKneeR, s)] = 3;
    p[side_dof(kShoulderAbductR, s)] = 9;
    p[side_dof(kShoulderFlexR, s)] = 3;
    p[side_dof(kElbowR, s)] = 12;
  }
  return p;
}

Joints forward_kinematics(const BodyShape& b,
                          const PoseAngles& pose,
                          double heading_rad,
                          const Eigen::Vector3d& root_mm) {
  // Local frames: x = the body's right, y = forward, z = up. For a bone parent → child,
  // F_child = F_parent · Q_child and x_child = x_parent + F_child · offset_child, so Q_child is the
  // rotation of that bone about the parent joint.
  Joints j;
  const Eigen::Matrix3d root =
      rot_z(heading_rad / kDeg) * rot_x(-pose[kPelvisPitch]) * rot_y(pose[kPelvisRoll]);
  j[0] = root_mm;
  // Legs (joints 1-3 right, 4-6 left).
  for (int s = 0; s < 2; ++s) {
    const double sigma = s == 0 ? 1.0 : -1.0;
    const int hip = s == 0 ? 1 : 4;
    j[hip] = j[0] + root * Eigen::Vector3d(sigma * b.hip_half_width_mm, 0, -b.hip_drop_mm);
    // Hip flexion is measured in the heading frame: add the pelvis pitch back.
    const Eigen::Matrix3d thigh = root * rot_x(pose[side_dof(kHipFlexR, s)] + pose[kPelvisPitch]) *
                                  rot_y(-sigma * pose[side_dof(kHipAbductR, s)]) *
                                  rot_z(sigma * pose[side_dof(kHipRotateR, s)]);
    j[hip + 1] = j[hip] + thigh * Eigen::Vector3d(0, 0, -b.thigh_mm);
    const Eigen::Matrix3d shin = thigh * rot_x(-pose[side_dof(kKneeR, s)]);
    j[hip + 2] = j[hip + 1] + shin * Eigen::Vector3d(0, 0, -b.shin_mm);
  }
  // Spine, thorax, head.
  const Eigen::Matrix3d lumbar =
      root * rot_z(pose[kLumbarTwist]) * rot_x(-pose[kLumbarFlex]) * rot_y(pose[kLumbarLateral]);
  j[7] = j[0] + lumbar * Eigen::Vector3d(0, 0, b.lumbar_mm);
  const Eigen::Matrix3d thorax =
      lumbar * rot_z(pose[kThoraxTwist]) * rot_x(-pose[kThoraxFlex]) * rot_y(pose[kThoraxLateral]);
  j[8] = j[7] + thorax * Eigen::Vector3d(0, 0, b.thorax_mm);
  const Eigen::Matrix3d neck =
      thorax * rot_z(pose[kNeckTwist]) * rot_x(-pose[kNeckFlex]) * rot_y(pose[kNeckLateral]);
  j[9] = j[8] + neck * Eigen::Vector3d(0, 0.42, 0.907).normalized() * b.neck_mm;
  j[10] = j[9] + neck * Eigen::Vector3d(0, -0.26, 0.966).normalized() * b.head_mm;
  // Arms (joints 11-13 left, 14-16 right).
  for (int s = 0; s < 2; ++s) {
    const double sigma = s == 0 ? 1.0 : -1.0;
    const int shoulder = s == 0 ? 14 : 11;
    j[shoulder] = j[8] + thorax * Eigen::Vector3d(sigma * b.shoulder_half_width_mm, -10, -30);
    const Eigen::Matrix3d upper = thorax * rot_x(pose[side_dof(kShoulderFlexR, s)]) *
                                  rot_y(-sigma * pose[side_dof(kShoulderAbductR, s)]) *
                                  rot_z(sigma * pose[side_dof(kShoulderRotateR, s)]);
    j[shoulder + 1] = j[shoulder] + upper * Eigen::Vector3d(0, 0, -b.upper_arm_mm);
    const Eigen::Matrix3d fore = upper * rot_x(pose[side_dof(kElbowR, s)]);
    j[shoulder + 2] = j[shoulder + 1] + fore * Eigen::Vector3d(0, 0, -b.forearm_mm);
  }
  return j;
}

namespace {

// Everything about one sequence that does not change with the frame.
struct Sequence {
  Action action;
  std::uint64_t key;       // seed of the sequence's random streams
  double segment_s;        // duration of one key-pose segment
  double hold;             // fraction of a segment spent holding its key pose
  double heading0;         // radians
  Eigen::Vector2d anchor;  // where the feet stay (non-walking families), mm
  // Walking: an ellipse path.
  Eigen::Vector2d path_center;
  double path_a, path_b, path_rotation, path_phase, path_rate;  // mm, mm, rad, rad, rad/s
  double gait_hz, gait_phase, hip_amp, knee_amp, arm_amp;
  double turn_rate;  // turning: rad/s
  // Sitting: the legs of every sitting key pose (so that one chair fits them all).
  double sit_thigh, sit_knee, sit_pitch, sit_abduct;
  // Per-DOF slow noise: two sinusoids each.
  std::array<std::array<double, 6>, kNumDofs> noise;  // amp1, hz1, phase1, amp2, hz2, phase2
};

double noise_amplitude(Action action, int dof) {
  const bool static_legs = action != Action::kWalking && action != Action::kTurning;
  if (dof >= kHipFlexR && dof <= kKneeL) return static_legs ? 1.5 : 3.0;
  if (dof >= kNeckFlex && dof <= kNeckTwist) return 6.0;
  if (dof >= kShoulderFlexR) return 6.0;
  return 2.5;
}

Sequence make_sequence(const MotionKey& key, const MotionOptions& options) {
  Sequence q;
  q.action = key.action;
  q.key = hash_values({key.seed,
                       kStreamSequence,
                       hash_string(key.subject),
                       static_cast<std::uint64_t>(key.action),
                       static_cast<std::uint64_t>(key.sequence)});
  Rng rng(q.key);
  const double r = options.area_radius_mm;
  q.segment_s = rng.uniform(1.6, 3.2);
  q.hold = rng.uniform(0.25, 0.5);
  if (key.action == Action::kSitting) {
    q.segment_s = rng.uniform(2.5, 4.0);
    q.hold = rng.uniform(0.4, 0.6);
  }
  q.heading0 = rng.uniform(-kPi, kPi);
  const double rho = 0.8 * r * std::sqrt(rng.uniform()), phi = rng.uniform(-kPi, kPi);
  q.anchor = Eigen::Vector2d(rho * std::cos(phi), rho * std::sin(phi));
  q.path_a = rng.uniform(0.5, 0.9) * r;
  q.path_b = rng.uniform(0.5, 0.9) * r;
  q.path_center = Eigen::Vector2d(rng.uniform(-0.1, 0.1) * r, rng.uniform(-0.1, 0.1) * r);
  q.path_rotation = rng.uniform(-kPi, kPi);
  q.path_phase = rng.uniform(-kPi, kPi);
  const double speed = rng.uniform(800, 1500);  // mm/s
  q.path_rate = (rng.bernoulli(0.5) ? 1 : -1) * speed / (0.5 * (q.path_a + q.path_b));
  q.gait_hz = speed / rng.uniform(1250, 1550);  // strides per second
  q.gait_phase = rng.uniform(-kPi, kPi);
  q.hip_amp = rng.uniform(17, 27);
  q.knee_amp = rng.uniform(40, 62);
  q.arm_amp = rng.uniform(8, 28);
  q.turn_rate = (rng.bernoulli(0.5) ? 1 : -1) * rng.uniform(35, 100) * kDeg;
  q.sit_thigh = rng.uniform(78, 95);
  q.sit_knee = rng.uniform(75, 105);
  q.sit_pitch = rng.uniform(-8, 12);
  q.sit_abduct = rng.uniform(3, 18);
  Rng noise(hash_values({q.key, kStreamNoise}));
  for (int d = 0; d < kNumDofs; ++d) {
    const double amp = noise_amplitude(key.action, d);
    auto& n = q.noise[static_cast<std::size_t>(d)];
    n = {amp * noise.uniform(0.3, 1.0),
         noise.uniform(0.08, 0.35),
         noise.uniform(0, 2 * kPi),
         0.5 * amp * noise.uniform(0.3, 1.0),
         noise.uniform(0.3, 0.9),
         noise.uniform(0, 2 * kPi)};
  }
  return q;
}

// Arm postures used by several families; `side` 0 right, 1 left.
void random_arm(Rng& rng, PoseAngles& p, int side, int style) {
  auto set = [&](double flex, double abduct, double rotate, double elbow) {
    p[side_dof(kShoulderFlexR, side)] = flex;
    p[side_dof(kShoulderAbductR, side)] = abduct;
    p[side_dof(kShoulderRotateR, side)] = rotate;
    p[side_dof(kElbowR, side)] = elbow;
  };
  switch (style) {
    case 0:  // hanging
      set(rng.uniform(-10, 15), rng.uniform(6, 18), rng.uniform(-20, 20), rng.uniform(5, 35));
      break;
    case 1:  // hands in front (holding something, talking)
      set(rng.uniform(15, 45), rng.uniform(5, 25), rng.uniform(-40, 0), rng.uniform(60, 105));
      break;
    case 2:  // hand on hip
      set(rng.uniform(-15, 5), rng.uniform(35, 55), rng.uniform(40, 70), rng.uniform(85, 120));
      break;
    case 3:  // talking gesture
      set(rng.uniform(15, 65), rng.uniform(10, 45), rng.uniform(-30, 30), rng.uniform(35, 100));
      break;
    case 4:  // wave / raised
      set(rng.uniform(0, 50), rng.uniform(80, 155), rng.uniform(-20, 40), rng.uniform(20, 95));
      break;
    case 5:  // point
      set(rng.uniform(55, 110), rng.uniform(0, 45), rng.uniform(-20, 20), rng.uniform(0, 20));
      break;
    case 6:  // both-hands-up style raise
      set(rng.uniform(120, 175), rng.uniform(0, 40), rng.uniform(-20, 20), rng.uniform(0, 40));
      break;
    default:  // phone at the ear
      set(rng.uniform(10, 35), rng.uniform(20, 45), rng.uniform(-50, -20), rng.uniform(125, 150));
      break;
  }
}

void random_head(Rng& rng, PoseAngles& p, double twist = 40) {
  p[kNeckFlex] = rng.uniform(-10, 25);
  p[kNeckTwist] = rng.uniform(-twist, twist);
  p[kNeckLateral] = rng.uniform(-8, 8);
}

// Crouch with knees bent by `knee`: thighs forward by half of it keeps the pelvis over the feet.
void crouch(PoseAngles& p, double knee, double extra_thigh = 0) {
  for (int s = 0; s < 2; ++s) {
    p[side_dof(kKneeR, s)] = knee;
    p[side_dof(kHipFlexR, s)] = 0.5 * knee + extra_thigh;
  }
}

// Key pose `k` of the sequence (k may be any integer).
PoseAngles key_pose(const Sequence& q, std::int64_t k) {
  Rng rng(hash_values({q.key, kStreamKey, static_cast<std::uint64_t>(k)}));
  PoseAngles p = standing_pose();
  const bool odd = (k & 1) != 0;
  const bool mirror = rng.bernoulli(0.35);  // both arms the same
  auto arms = [&](std::initializer_list<int> styles) {
    const std::vector<int> s(styles);
    const int a = s[rng.below(s.size())];
    const int b = mirror ? a : s[rng.below(s.size())];
    Rng arm_rng(hash_values({q.key, kStreamKey, static_cast<std::uint64_t>(k), 77}));
    random_arm(arm_rng, p, 0, a);
    if (mirror) {
      Rng same(hash_values({q.key, kStreamKey, static_cast<std::uint64_t>(k), 77}));
      random_arm(same, p, 1, b);
    } else {
      random_arm(arm_rng, p, 1, b);
    }
  };
  p[kPelvisRoll] = rng.uniform(-4, 4);
  p[kLumbarTwist] = rng.uniform(-8, 8);
  random_head(rng, p);
  switch (q.action) {
    case Action::kWalking:
    case Action::kTurning:
      arms({0, 0, 0, 0, 1, 7});
      random_head(rng, p, 25);
      p[kLumbarFlex] = rng.uniform(-3, 10);
      break;
    case Action::kIdle:
      arms({0, 0, 1, 2, 3});
      p[kHipAbductR] = rng.uniform(0, 10);
      p[kHipAbductL] = rng.uniform(0, 10);
      p[kLumbarLateral] = rng.uniform(-6, 6);
      break;
    case Action::kGestures:
      arms({1, 3, 3, 4, 5, 6, 7});
      p[kLumbarTwist] = rng.uniform(-25, 25);
      p[kThoraxTwist] = rng.uniform(-15, 15);
      p[kLumbarLateral] = rng.uniform(-10, 10);
      break;
    case Action::kReaching:
      arms({0, 1});
      if (odd) {
        const int side = static_cast<int>(rng.below(2));
        const double low = rng.uniform();
        p[side_dof(kShoulderFlexR, side)] = low < 0.3 ? rng.uniform(40, 80) : rng.uniform(70, 165);
        p[side_dof(kShoulderAbductR, side)] = rng.uniform(0, 70);
        p[side_dof(kElbowR, side)] = rng.uniform(0, 30);
        p[side_dof(kShoulderRotateR, side)] = rng.uniform(-20, 20);
        p[kLumbarTwist] = (side == 0 ? -1 : 1) * rng.uniform(0, 30);
        p[kLumbarLateral] = (side == 0 ? 1 : -1) * rng.uniform(-5, 15);
        p[kPelvisPitch] = low < 0.3 ? rng.uniform(15, 40) : rng.uniform(0, 15);
        p[kLumbarFlex] = low < 0.3 ? rng.uniform(15, 40) : rng.uniform(-10, 15);
        crouch(p, low < 0.3 ? rng.uniform(10, 60) : rng.uniform(0, 10));
      }
      break;
    case Action::kSquatting:
      arms({0, 1});
      if (odd) {
        crouch(p, rng.uniform(70, 140), rng.uniform(0, 15));
        p[kPelvisPitch] = rng.uniform(10, 35);
        p[kLumbarFlex] = rng.uniform(5, 30);
        p[kHipAbductR] = p[kHipAbductL] = rng.uniform(5, 25);
        if (rng.bernoulli(0.6)) {  // arms forward for balance
          for (int s = 0; s < 2; ++s) {
            p[side_dof(kShoulderFlexR, s)] = rng.uniform(30, 95);
            p[side_dof(kElbowR, s)] = rng.uniform(5, 60);
          }
        }
      }
      break;
    case Action::kBending:
      arms({0, 0, 1});
      if (odd) {
        const double pitch = rng.uniform(20, 65);
        p[kPelvisPitch] = pitch;
        p[kLumbarFlex] = rng.uniform(10, 40);
        p[kThoraxFlex] = rng.uniform(0, 20);
        crouch(p, rng.uniform(0, 30));
        const double trunk = pitch + p[kLumbarFlex] + p[kThoraxFlex];
        for (int s = 0; s < 2; ++s) {  // arms hang towards the floor
          p[side_dof(kShoulderFlexR, s)] = trunk * rng.uniform(0.6, 1.1);
          p[side_dof(kElbowR, s)] = rng.uniform(0, 40);
          p[side_dof(kShoulderAbductR, s)] = rng.uniform(0, 20);
        }
        p[kNeckFlex] = rng.uniform(-30, 10);
      }
      break;
    case Action::kSitting:
      if (odd) {
        arms({1, 1, 3, 0, 7});
        for (int s = 0; s < 2; ++s) {
          p[side_dof(kHipFlexR, s)] = q.sit_thigh;
          p[side_dof(kKneeR, s)] = q.sit_knee;
          p[side_dof(kHipAbductR, s)] = q.sit_abduct;
          p[side_dof(kHipRotateR, s)] = 0;
        }
        p[kPelvisPitch] = q.sit_pitch;
        p[kLumbarFlex] = rng.uniform(-5, 20);
      } else {
        arms({0, 0, 1, 3});
      }
      break;
  }
  return p;
}

PoseAngles lerp(const PoseAngles& a, const PoseAngles& b, double s) {
  PoseAngles out;
  for (int d = 0; d < kNumDofs; ++d) out[d] = a[d] + s * (b[d] - a[d]);
  return out;
}

}  // namespace

MotionFrame procedural_motion(const MotionKey& key,
                              const BodyShape& body,
                              const MotionOptions& options) {
  MVPOSE3D_CHECK(options.fps > 0, "procedural_motion: fps must be > 0, got {}", options.fps);
  MVPOSE3D_CHECK(key.frame >= 0, "procedural_motion: negative frame {}", key.frame);
  const Sequence q = make_sequence(key, options);
  const double t = static_cast<double>(key.frame) / options.fps;

  // Key poses and the smooth step between them.
  const double u = t / q.segment_s;
  const std::int64_t k = static_cast<std::int64_t>(std::floor(u));
  const double s = smoothstep((u - static_cast<double>(k) - q.hold) / (1.0 - q.hold));
  PoseAngles p = lerp(key_pose(q, k), key_pose(q, k + 1), s);

  // Sitting down and standing up lean the trunk forward mid-way.
  if (q.action == Action::kSitting && s > 0 && s < 1) {
    const double lean = std::sin(kPi * s) * 30;
    p[kPelvisPitch] += lean;
    p[kLumbarFlex] += 0.3 * lean;
  }

  // Slow noise.
  for (int d = 0; d < kNumDofs; ++d) {
    const auto& n = q.noise[static_cast<std::size_t>(d)];
    p[d] += n[0] * std::sin(2 * kPi * n[1] * t + n[2]) + n[3] * std::sin(2 * kPi * n[4] * t + n[5]);
  }

  double heading = q.heading0;
  Eigen::Vector2d root_xy = q.anchor;
  bool anchor_feet = true;
  if (q.action == Action::kWalking || q.action == Action::kTurning) {
    const double phase = 2 * kPi * q.gait_hz * t + q.gait_phase;
    const double scale = q.action == Action::kWalking ? 1.0 : 0.45;
    for (int side = 0; side < 2; ++side) {
      const double ph = phase + (side == 0 ? 0.0 : kPi);
      p[side_dof(kHipFlexR, side)] += 4 + scale * q.hip_amp * std::sin(ph);
      const double swing = std::max(0.0, std::cos(ph));
      p[side_dof(kKneeR, side)] += 4 + scale * q.knee_amp * swing * swing;
      p[side_dof(kShoulderFlexR, side)] -= scale * q.arm_amp * std::sin(ph);
      p[side_dof(kElbowR, side)] += 10 * std::max(0.0, -std::sin(ph));
    }
    p[kThoraxTwist] += 6 * scale * std::sin(phase);
    p[kLumbarTwist] -= 3 * scale * std::sin(phase);
    p[kPelvisRoll] += 3 * scale * std::sin(phase);
    if (q.action == Action::kWalking) {
      const double a = q.path_phase + q.path_rate * t;
      const Eigen::Rotation2Dd rot(q.path_rotation);
      root_xy =
          q.path_center + rot * Eigen::Vector2d(q.path_a * std::cos(a), q.path_b * std::sin(a));
      const Eigen::Vector2d velocity =
          rot * Eigen::Vector2d(-q.path_a * std::sin(a), q.path_b * std::cos(a)) * q.path_rate;
      heading = std::atan2(-velocity.x(), velocity.y());  // forward = (−sin h, cos h)
      anchor_feet = false;
    } else {
      heading += q.turn_rate * t;
    }
  } else {
    // Static families turn a little now and then.
    Rng r0(hash_values({q.key, kStreamKey, static_cast<std::uint64_t>(k), 5}));
    Rng r1(hash_values({q.key, kStreamKey, static_cast<std::uint64_t>(k + 1), 5}));
    const double yaw_range = q.action == Action::kSitting ? 0.0 : 35.0;
    heading += kDeg * yaw_range * ((1 - s) * r0.uniform(-1, 1) + s * r1.uniform(-1, 1));
  }

  MotionFrame out;
  out.pose = clamp_to_limits(p);
  out.heading_rad = heading;
  Joints j = forward_kinematics(body, out.pose, heading, Eigen::Vector3d::Zero());
  Eigen::Vector3d offset(root_xy.x(), root_xy.y(), 0);
  if (anchor_feet) offset.head<2>() -= 0.5 * (j[3] + j[6]).head<2>();
  offset.z() = body.ankle_height_mm - std::min(j[3].z(), j[6].z());
  for (auto& x : j) x += offset;
  out.joints_world_mm = j;

  if (q.action == Action::kSitting) {
    // The chair sits under the pelvis of the sitting key pose, with the same feet anchor.
    PoseAngles sit = standing_pose();
    for (int side = 0; side < 2; ++side) {
      sit[side_dof(kHipFlexR, side)] = q.sit_thigh;
      sit[side_dof(kKneeR, side)] = q.sit_knee;
      sit[side_dof(kHipAbductR, side)] = q.sit_abduct;
    }
    sit[kPelvisPitch] = q.sit_pitch;
    const double sit_heading = q.heading0;
    const Joints js =
        forward_kinematics(body, clamp_to_limits(sit), sit_heading, Eigen::Vector3d::Zero());
    Eigen::Vector3d pelvis = js[0];
    pelvis.head<2>() += q.anchor - 0.5 * (js[3] + js[6]).head<2>();
    pelvis.z() += body.ankle_height_mm - std::min(js[3].z(), js[6].z());
    const Eigen::Vector3d back(std::sin(sit_heading), -std::cos(sit_heading), 0);  // −forward
    const double seat_top = pelvis.z() - 95 * body.girth;
    Prop seat;
    seat.yaw_rad = sit_heading;
    seat.half_size_mm = Eigen::Vector3d(230, 220, 0.5 * seat_top);
    seat.center_mm = pelvis + 60 * back;
    seat.center_mm.z() = 0.5 * seat_top;
    out.props.push_back(seat);
    Prop rest;  // backrest
    rest.yaw_rad = sit_heading;
    rest.half_size_mm = Eigen::Vector3d(230, 30, 230);
    rest.center_mm = seat.center_mm + 250 * back;
    rest.center_mm.z() = seat_top + 230;
    out.props.push_back(rest);
  }
  return out;
}

}  // namespace mvpose3d::synthetic
