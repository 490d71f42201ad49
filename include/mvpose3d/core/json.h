// The project's JSON output (metrics.jsonl, final_metrics.json, evaluation summaries), built with
// nlohmann-json. Two rules live here and nowhere else:
//
//   numbers   json_number(x): the shortest decimal that reads back to the same double (full
//             precision; a whole number without ".0", as fmt's "{}" prints it); NaN and ±inf,
//             which JSON cannot hold, become null.
//   layout    json_line(object): one line, members in insertion order, ", " and ": " between
//             them ({"step": 5, "kind": "train", ...}), the layout readers and greps already know.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace mvpose3d {

// An object that keeps its members in insertion order.
using JsonObject = nlohmann::ordered_json;

// A JSON number by the rule above.
JsonObject json_number(double x);

// The object (or any value) on one line with ", " and ": " separators.
std::string json_line(const JsonObject& value);

}  // namespace mvpose3d
