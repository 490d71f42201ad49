// The result tables of Remelli et al. (CVPR 2020) in the paper's layouts, built from an
// EvalSummary (conventions: docs/evaluation.md; datasets.md §1.4, §2.3, §3):
//
//   Human3.6M     one row per camera set; the 15 actions in the paper's column order
//                 (Dir, Disc, Eat, Greet, Phone, Photo, Pose, Purch, Sit, SitD, Smoke, Wait,
//                 WalkD, Walk, WalkT), trials pooled ("Directions-1" + "Directions-2" → Dir), an
//                 "Other" column for action names that are none of them (only when there are
//                 any), then "Avg (frames)" (frame-weighted over every frame, learnable-
//                 triangulation's "Average") and "Avg (actions)" (mean of the action columns
//                 with frames, VideoPose3D's action-wise average).
//   Total Capture rows seen cameras / unseen cameras (then any other camera set); columns seen
//                 subjects S1-3 × W2, FS3, A3, unseen subjects S4-5 × W2, FS3, A3, "Other"
//                 (other subjects or sequences, only when there are any), "Mean" (frame-weighted
//                 over every frame of the row).
//   synthetic     rows camera sets; one column per action (the dataset's order), "Avg (frames)"
//                 and "Avg (actions)".
// Cells are mm with one decimal; "-" where no frame fell.
#pragma once

#include "mvpose3d/eval/eval_summary.h"
#include "mvpose3d/eval/table.h"

#include <string>
#include <vector>

namespace mvpose3d::eval {

enum class PaperLayout { kHuman36m, kTotalCapture, kSynthetic };

// From summary.dataset ("h36m", "totalcapture"; anything else gives kSynthetic, the generic
// per-action layout). When summary.dataset is "": Human3.6M if the action names cover at least 8
// of its 15 columns, Total Capture if some action is a TC test sequence (W2, FS3, A3) and every
// subject is S1..S5, else synthetic.
PaperLayout paper_layout(const EvalSummary& summary);

// The paper's 15 Human3.6M column labels, in order.
const std::vector<std::string>& h36m_columns();
// The column of a raw Human3.6M action name, any of the naming zoo of datasets.md §1.4, case and
// trial suffix ignored: "Directions-1", "Directions 2", "Directions", "TakingPhoto-1", "Photo",
// "WalkingDog-2", "WalkDog 1", "WalkTogether", "Discuss", ... -> "Dir", "Photo", "WalkD", "WalkT",
// "Disc"; "" for a name that is none of them.
std::string h36m_column(const std::string& action);

// The Total Capture test sequence of an action name, case, spaces, '_' and '-' ignored:
// "walking2" / "Walking2" / "W2" -> "W2", "freestyle3" / "FS3" -> "FS3", "acting3" / "A3" -> "A3";
// "" otherwise.
std::string totalcapture_sequence(const std::string& action);
// The Total Capture subject number of "S1", "s4", "subject5", "5" (1..5); 0 otherwise.
int totalcapture_subject(const std::string& subject);

Table h36m_table(const EvalSummary& summary, Metric metric = Metric::kMpjpeRel);
Table totalcapture_table(const EvalSummary& summary, Metric metric = Metric::kMpjpe);
Table synthetic_table(const EvalSummary& summary, Metric metric = Metric::kMpjpe);

// The layout's tables, the paper's metric first: Human3.6M root-relative, absolute, PA; Total
// Capture absolute, PA; synthetic absolute, root-relative, PA (PA only when computed).
std::vector<Table> paper_tables(const EvalSummary& summary);

}  // namespace mvpose3d::eval
