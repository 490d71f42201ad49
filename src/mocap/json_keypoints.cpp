// The JSON keypoint readers (nlohmann-json): OpenPose's per-frame files and COCO-style results.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/mocap/keypoint_import.h"

#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <vector>

#include <fmt/format.h>

namespace mvpose3d::mocap {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json parse_json_file(const fs::path& file) {
  const std::string text = read_text_file(file);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann reports a byte offset; turn it into a line for the message.
    const std::size_t byte = std::min<std::size_t>(e.byte, text.size());
    const auto line =
        1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n');
    throw Error(fmt::format(
        "{}:{}: not valid JSON: {}", file.string(), line, printable_excerpt(e.what(), 300)));
  } catch (const json::exception& e) {
    // A number beyond a double's range is json::out_of_range (406), not a parse_error.
    throw Error(
        fmt::format("{}: not valid JSON: {}", file.string(), printable_excerpt(e.what(), 300)));
  }
}

// A flat [x, y, c] * J list into a person; the score is the mean confidence.
DetectedPerson person_from(const json& values, const std::string& where, int64_t& joints) {
  if (!values.is_array() || values.size() % 3 != 0) {
    throw Error(fmt::format("{}: expected a list of x, y, confidence triples", where));
  }
  const auto count = static_cast<int64_t>(values.size() / 3);
  if (joints < 0) joints = count;
  if (count != joints) {
    throw Error(fmt::format("{}: {} joints, the earlier detections have {}", where, count, joints));
  }
  DetectedPerson person;
  person.xyc.reserve(values.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!values[i].is_number()) {
      throw Error(fmt::format("{}[{}]: not a number", where, i));
    }
    person.xyc.push_back(values[i].get<double>());
    if (i % 3 == 2) sum += person.xyc.back();
  }
  person.score = count > 0 ? sum / static_cast<double>(count) : 0.0;
  return person;
}

}  // namespace

ViewDetections read_openpose_directory(const fs::path& directory) {
  ViewDetections view;
  view.source = directory.string();
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    throw UsageError(fmt::format("{}: no OpenPose .json files", directory.string()));
  }
  int64_t joints = -1;
  for (std::size_t order = 0; order < files.size(); ++order) {
    const fs::path& file = files[order];
    const json doc = parse_json_file(file);
    if (!doc.is_object() || !doc.contains("people") || !doc["people"].is_array()) {
      throw Error(fmt::format("{}: key 'people': missing or not a list (not OpenPose output?)",
                              file.string()));
    }
    int64_t frame = last_number_in(file.stem().string());
    if (frame < 0) frame = static_cast<int64_t>(order);
    std::vector<DetectedPerson>& people = view.frames[frame];
    for (std::size_t p = 0; p < doc["people"].size(); ++p) {
      const json& person = doc["people"][p];
      const std::string where = fmt::format("{}: people[{}].pose_keypoints_2d", file.string(), p);
      if (!person.contains("pose_keypoints_2d")) throw Error(fmt::format("{}: missing", where));
      const json& values = person["pose_keypoints_2d"];
      if (values.empty()) continue;  // OpenPose writes [] for a body part set it did not run
      people.push_back(person_from(values, where, joints));
    }
  }
  view.joints = std::max<int64_t>(joints, 0);
  return view;
}

ViewDetections read_coco_results(const fs::path& file) {
  ViewDetections view;
  view.source = file.string();
  const json doc = parse_json_file(file);
  const json* detections = &doc;
  std::string list_key;
  if (doc.is_object() && doc.contains("annotations")) {
    detections = &doc["annotations"];
    list_key = "annotations";
  }
  if (!detections->is_array()) {
    throw Error(fmt::format(
        "{}: expected a list of detections (COCO results) or an object with 'annotations'",
        file.string()));
  }
  int64_t joints = -1;
  for (std::size_t i = 0; i < detections->size(); ++i) {
    const json& d = (*detections)[i];
    const std::string where = fmt::format("{}: {}[{}]", file.string(), list_key, i);
    if (!d.is_object()) throw Error(fmt::format("{}: not an object", where));
    if (d.contains("category_id") && d["category_id"] != 1) continue;  // not a person
    if (!d.contains("image_id") || !d["image_id"].is_number_integer()) {
      throw Error(fmt::format("{}.image_id: missing or not an integer", where));
    }
    if (!d.contains("keypoints")) throw Error(fmt::format("{}.keypoints: missing", where));
    DetectedPerson person = person_from(d["keypoints"], where + ".keypoints", joints);
    if (d.contains("score")) {
      if (!d["score"].is_number()) throw Error(fmt::format("{}.score: not a number", where));
      person.score = d["score"].get<double>();
    }
    view.frames[d["image_id"].get<int64_t>()].push_back(std::move(person));
  }
  view.joints = std::max<int64_t>(joints, 0);
  return view;
}

}  // namespace mvpose3d::mocap
