#include "mvpose3d/data/synthetic/synthetic_body.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <Eigen/Geometry>

namespace mvpose3d::synthetic {

namespace {

Eigen::Vector3d safe_normalized(const Eigen::Vector3d& v, const Eigen::Vector3d& fallback) {
  const double n = v.norm();
  return n > 1e-9 ? Eigen::Vector3d(v / n) : fallback;
}

// Orthonormal frame (columns: right, forward, up) from an up direction and a rough right.
Eigen::Matrix3d frame_from(const Eigen::Vector3d& up_hint, const Eigen::Vector3d& right_hint) {
  const Eigen::Vector3d up = safe_normalized(up_hint, Eigen::Vector3d::UnitZ());
  Eigen::Vector3d right = right_hint - right_hint.dot(up) * up;
  right = safe_normalized(
      right, std::fabs(up.x()) < 0.9 ? Eigen::Vector3d::UnitX() : Eigen::Vector3d::UnitY());
  right = (right - right.dot(up) * up).normalized();
  Eigen::Matrix3d m;
  m.col(0) = right;
  m.col(1) = up.cross(right);  // forward
  m.col(2) = up;
  return m;
}

Rgb hsv(double h, double s, double v) {
  h = std::fmod(h, 1.0) * 6.0;
  const int i = static_cast<int>(h) % 6;
  const double f = h - std::floor(h);
  const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  auto rgb = [](double r, double g, double b) {
    return Rgb{static_cast<float>(r), static_cast<float>(g), static_cast<float>(b)};
  };
  switch (i) {
    case 0:
      return rgb(v, t, p);
    case 1:
      return rgb(q, v, p);
    case 2:
      return rgb(p, v, t);
    case 3:
      return rgb(p, q, v);
    case 4:
      return rgb(t, p, v);
    default:
      return rgb(v, p, q);
  }
}

Rgb clothing_color(Rng& rng) {
  const double u = rng.uniform();
  if (u < 0.25) return hsv(0, 0, rng.uniform(0.08, 0.9));  // black, grey, white
  return hsv(rng.uniform(), rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.9));
}

Material cloth(Rng& rng, Rgb color, bool patterned) {
  Material m;
  m.color = color;
  Rgb second = clothing_color(rng);
  if (rng.bernoulli(0.5)) {  // a shade of the main colour
    const float k = static_cast<float>(rng.uniform(0.45, 0.8));
    second = {color.r * k, color.g * k, color.b * k};
  }
  m.color2 = second;
  m.period_mm = static_cast<float>(rng.uniform(30, 90));
  if (patterned) {
    const double u = rng.uniform();
    m.pattern = u < 0.4 ? Pattern::kStripes : u < 0.7 ? Pattern::kChecks : Pattern::kDots;
  }
  return m;
}

Material plain(Rgb color, float specular = 0) {
  Material m;
  m.color = color;
  m.color2 = color;
  m.specular = specular;
  return m;
}

int add_material(Scene* scene, const Material& m) {
  scene->materials.push_back(m);
  return static_cast<int>(scene->materials.size()) - 1;
}

}  // namespace

Appearance appearance_for_subject(const std::string& subject) {
  Rng rng(hash_values({hash_string("mvpose3d.appearance"), hash_string(subject)}));
  static const std::array<Rgb, 8> kSkin = {{{0.96f, 0.80f, 0.69f},
                                            {0.92f, 0.72f, 0.58f},
                                            {0.85f, 0.64f, 0.50f},
                                            {0.76f, 0.55f, 0.42f},
                                            {0.63f, 0.44f, 0.32f},
                                            {0.50f, 0.34f, 0.24f},
                                            {0.38f, 0.25f, 0.17f},
                                            {0.28f, 0.18f, 0.12f}}};
  static const std::array<Rgb, 6> kHair = {{{0.08f, 0.07f, 0.06f},
                                            {0.22f, 0.14f, 0.08f},
                                            {0.40f, 0.26f, 0.14f},
                                            {0.75f, 0.62f, 0.38f},
                                            {0.60f, 0.60f, 0.60f},
                                            {0.55f, 0.25f, 0.12f}}};
  Appearance a;
  a.skin = kSkin[rng.below(kSkin.size())];
  a.hair = kHair[rng.below(kHair.size())];
  a.hair_length = rng.uniform(0.0, 1.0);
  a.top = cloth(rng, clothing_color(rng), rng.bernoulli(0.5));
  a.short_sleeves = rng.bernoulli(0.35);
  // Trousers: denim, black, grey, khaki or anything; rarely patterned.
  const double u = rng.uniform();
  const Rgb bottom = u < 0.35   ? hsv(0.6, rng.uniform(0.3, 0.6), rng.uniform(0.2, 0.55))
                     : u < 0.55 ? hsv(0, 0, rng.uniform(0.05, 0.2))
                     : u < 0.7  ? hsv(0.1, rng.uniform(0.2, 0.45), rng.uniform(0.45, 0.75))
                                : clothing_color(rng);
  a.bottom = cloth(rng, bottom, rng.bernoulli(0.15));
  a.shorts = rng.bernoulli(0.2);
  a.shoes =
      plain(rng.bernoulli(0.6) ? hsv(0, 0, rng.uniform(0.05, 0.25))
                               : hsv(rng.uniform(), rng.uniform(0, 0.5), rng.uniform(0.5, 0.95)),
            0.15f);
  return a;
}

void add_body(const Joints& j,
              const BodyShape& body,
              const Appearance& look,
              bool colour_coded,
              Scene* scene) {
  const double g = body.girth;
  // Materials: skin, hair, top, bottom, shoes.
  const int skin = add_material(scene, plain(look.skin, 0.08f));
  const int hair = add_material(scene, plain(look.hair, 0.1f));
  const int top = add_material(scene, look.top);
  const int bottom = add_material(scene, look.bottom);
  const int shoes = add_material(scene, look.shoes);
  int part = 0;
  // In colour-coded mode every primitive gets its own hue, and no alternative material.
  auto push = [&](Primitive p) {
    if (colour_coded) {
      p.material = add_material(scene, plain(hsv(0.618034 * part, 0.75, 0.9)));
      p.material_alt = -1;
    }
    ++part;
    scene->primitives.push_back(p);
  };

  // Trunk frames.
  const Eigen::Vector3d hips_right = j[1] - j[4];
  const Eigen::Matrix3d pelvis = frame_from(j[7] - j[0], hips_right);
  const Eigen::Matrix3d chest = frame_from(j[8] - j[7], j[14] - j[11]);
  const Eigen::Vector3d up_pelvis = pelvis.col(2), up_chest = chest.col(2);
  const double lower_len = (j[7] - j[0]).norm(), upper_len = (j[8] - j[7]).norm();
  const double shoulder_half = 0.5 * (j[14] - j[11]).norm();
  const double hip_half = 0.5 * hips_right.norm();

  // Abdomen: trousers below its centre, the top above.
  {
    Primitive p =
        make_ellipsoid(j[0] + 0.5 * lower_len * up_pelvis - 8 * pelvis.col(1),
                       pelvis,
                       Eigen::Vector3d((hip_half + 40) * g, 100 * g, 0.62 * lower_len + 35),
                       bottom);
    p.material_alt = top;
    p.split_dir = Eigen::Vector3d::UnitZ();
    p.split_offset_mm = -0.1 * lower_len;
    push(p);
  }
  // Chest.
  push(make_ellipsoid(
      j[7] + 0.52 * upper_len * up_chest - 5 * chest.col(1),
      chest,
      Eigen::Vector3d(
          std::max(shoulder_half * 0.92, (hip_half + 30) * g), 108 * g, 0.62 * upper_len + 45),
      top));
  // Shoulder line and hip line.
  push(make_capsule(j[11], j[14], 55 * g, top));
  push(make_capsule(j[4], j[1], 78 * g, bottom));

  // Head: an ellipsoid whose top touches the head-top joint; its forward is the part of
  // thorax → nose perpendicular to the head's up axis (so it follows the neck's twist).
  const double head_scale = body.head_mm / 115.0;
  const Eigen::Vector3d head_up = safe_normalized(j[10] - j[9], up_chest);
  Eigen::Vector3d head_forward = (j[9] - j[8]) - (j[9] - j[8]).dot(head_up) * head_up;
  head_forward = safe_normalized(head_forward, chest.col(1));
  Eigen::Matrix3d head;
  head.col(2) = head_up;
  head.col(1) = head_forward;
  head.col(0) = head_forward.cross(head_up);
  const Eigen::Vector3d head_radii = Eigen::Vector3d(80, 96, 110) * head_scale;
  const Eigen::Vector3d head_center = j[10] - head_radii.z() * head_up - 12 * head_forward;
  {
    Primitive p = make_ellipsoid(head_center, head, head_radii, skin);
    p.material_alt = hair;
    p.split_dir = Eigen::Vector3d(0, -0.55, 0.835);
    p.split_offset_mm = (0.35 - 0.75 * look.hair_length) * head_radii.z();
    push(p);
  }
  // Neck.
  push(make_capsule(j[8] + 20 * up_chest,
                    head_center - 0.55 * head_radii.z() * head_up,
                    47 * std::sqrt(g),
                    skin));

  // Limbs: the same materials on both sides.
  for (int side = 0; side < 2; ++side) {
    const int sh = side == 0 ? 14 : 11, el = sh + 1, wr = sh + 2;
    Primitive upper = make_capsule(j[sh], j[el], 43 * g, top);
    if (look.short_sleeves) {
      upper.material_alt = skin;
      upper.split_offset_mm = 0.45 * (j[el] - j[sh]).norm();
    }
    push(upper);
    push(make_capsule(j[el], j[wr], 35 * g, look.short_sleeves ? skin : top));
    const Eigen::Vector3d fore = safe_normalized(j[wr] - j[el], -Eigen::Vector3d::UnitZ());
    Primitive hand = make_ellipsoid(j[wr] + 45 * fore,
                                    frame_from(fore, chest.col(0)),
                                    Eigen::Vector3d(40, 26, 58) * std::sqrt(g),
                                    skin);
    push(hand);

    const int hip = side == 0 ? 1 : 4, knee = hip + 1, ankle = hip + 2;
    Primitive thigh = make_capsule(j[hip], j[knee], 68 * g, bottom);
    if (look.shorts) {
      thigh.material_alt = skin;
      thigh.split_offset_mm = 0.55 * (j[knee] - j[hip]).norm();
    }
    push(thigh);
    push(make_capsule(j[knee], j[ankle], 50 * g, look.shorts ? skin : bottom));
    // Foot: forward is the pelvis's forward, made perpendicular to the shin.
    const Eigen::Vector3d shin = safe_normalized(j[ankle] - j[knee], -Eigen::Vector3d::UnitZ());
    Eigen::Vector3d foot_fwd = pelvis.col(1) - pelvis.col(1).dot(shin) * shin;
    foot_fwd = safe_normalized(foot_fwd, pelvis.col(1));
    push(make_capsule(
        j[ankle] + 15 * shin - 35 * foot_fwd, j[ankle] + 50 * shin + 125 * foot_fwd, 38, shoes));
  }
}

void add_props(const std::vector<Prop>& props, Rng& rng, Scene* scene) {
  for (const Prop& prop : props) {
    const bool wood = rng.bernoulli(0.6);
    Material m =
        wood ? plain(hsv(rng.uniform(0.05, 0.11), rng.uniform(0.4, 0.7), rng.uniform(0.3, 0.7)))
             : plain(hsv(rng.uniform(), rng.uniform(0.1, 0.7), rng.uniform(0.2, 0.9)), 0.2f);
    if (wood) {
      m.pattern = Pattern::kStripes;
      m.period_mm = static_cast<float>(rng.uniform(15, 40));
      const float k = 0.8f;
      m.color2 = {m.color.r * k, m.color.g * k, m.color.b * k};
    }
    const int material = add_material(scene, m);
    const Eigen::Matrix3d yaw =
        Eigen::AngleAxisd(prop.yaw_rad, Eigen::Vector3d::UnitZ()).toRotationMatrix();
    Primitive p = make_box(prop.center_mm, yaw, prop.half_size_mm, material);
    p.external = true;
    scene->primitives.push_back(p);
  }
}

void add_occluder(const Eigen::Vector3d& subject_mm,
                  const Eigen::Vector3d& camera_center_mm,
                  double spread_mm,
                  Rng& rng,
                  Scene* scene) {
  Eigen::Vector3d to_camera = camera_center_mm - subject_mm;
  to_camera.z() = 0;
  const double dist = to_camera.norm();
  const Eigen::Vector3d dir =
      dist > 1e-6 ? Eigen::Vector3d(to_camera / dist) : Eigen::Vector3d::UnitY();
  const Eigen::Vector3d side(-dir.y(), dir.x(), 0);
  Eigen::Vector3d base =
      subject_mm + rng.uniform(0.12, 0.4) * dist * dir + rng.uniform(-spread_mm, spread_mm) * side;
  base.z() = 0;
  Eigen::Matrix3d axes;  // x sideways, y towards the camera, z up
  axes.col(0) = side;
  axes.col(1) = dir;
  axes.col(2) = Eigen::Vector3d::UnitZ();

  Rgb color = clothing_color(rng);
  Material m = cloth(rng, color, rng.bernoulli(0.5));
  m.period_mm = static_cast<float>(rng.uniform(50, 200));
  const int material = add_material(scene, m);
  Primitive p;
  switch (rng.below(5)) {
    case 0: {  // pillar
      const Eigen::Vector3d half(
          rng.uniform(80, 200), rng.uniform(80, 200), rng.uniform(700, 1300));
      p = make_box(base + Eigen::Vector3d(0, 0, half.z()), axes, half, material);
      break;
    }
    case 1: {  // panel (a screen, a board), maybe raised
      const Eigen::Vector3d half(rng.uniform(150, 400), rng.uniform(15, 40), rng.uniform(200, 550));
      const double lift = rng.uniform(0, 900);
      p = make_box(base + Eigen::Vector3d(0, 0, lift + half.z()), axes, half, material);
      break;
    }
    case 2:  // pole
      p = make_capsule(base,
                       base + Eigen::Vector3d(0, 0, rng.uniform(1400, 2400)),
                       rng.uniform(30, 100),
                       material);
      break;
    case 3: {  // cabinet / table-height block
      const Eigen::Vector3d half(
          rng.uniform(200, 450), rng.uniform(150, 300), rng.uniform(250, 450));
      p = make_box(base + Eigen::Vector3d(0, 0, half.z()), axes, half, material);
      break;
    }
    default: {  // ball / lamp
      const double r = rng.uniform(120, 280);
      p = make_ellipsoid(base + Eigen::Vector3d(0, 0, rng.uniform(r, 1700)),
                         axes,
                         Eigen::Vector3d(r, r, r * rng.uniform(0.8, 1.2)),
                         material);
      break;
    }
  }
  p.external = true;
  scene->primitives.push_back(p);
}

}  // namespace mvpose3d::synthetic
