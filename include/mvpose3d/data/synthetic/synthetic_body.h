// Turns 17 joints (H36M-17, world mm) into the solid primitives of a clothed body, and random
// occluders and props into primitives, for the synthetic renderer.
//
// The body is built from the joints alone (no joint angles), so any motion source works: the
// procedural generator, or BVH retargeted to H36M-17. Left and right limbs share materials (like
// real clothes); the head and hands are skin-coloured, with hair on the top and back of the head.
// With colour_coded = true every part gets its own distinct colour instead (the prototype's
// "easy" appearance, kept for ablations).
#pragma once

#include "mvpose3d/data/random.h"
#include "mvpose3d/data/synthetic/synthetic_motion.h"
#include "mvpose3d/data/synthetic/synthetic_render.h"

#include <string>
#include <vector>

#include <Eigen/Core>

namespace mvpose3d::synthetic {

// A subject's clothes and skin; derived from the subject's name only.
struct Appearance {
  Rgb skin, hair;
  Material top, bottom, shoes;
  bool short_sleeves = false;
  bool shorts = false;
  double hair_length = 0.3;  // 0 = very short (little hair), 1 = long (down the back)
};

Appearance appearance_for_subject(const std::string& subject);

// Appends the body's materials and primitives to `scene` (no external flag).
void add_body(const Joints& joints_world_mm,
              const BodyShape& body,
              const Appearance& appearance,
              bool colour_coded,
              Scene* scene);

// Appends box props (e.g. a chair) with a random wood/plastic material; marked external.
void add_props(const std::vector<Prop>& props, Rng& rng, Scene* scene);

// Appends one random occluder (a pillar, a panel, a pole, a table or a ball, on or above the
// floor), marked external, placed on the segment from `subject_mm` towards `camera_center_mm` at a
// fraction in [0.12, 0.4] of the horizontal distance and shifted sideways by up to `spread_mm`, so
// that it hides part of the subject from that camera.
void add_occluder(const Eigen::Vector3d& subject_mm,
                  const Eigen::Vector3d& camera_center_mm,
                  double spread_mm,
                  Rng& rng,
                  Scene* scene);

}  // namespace mvpose3d::synthetic
