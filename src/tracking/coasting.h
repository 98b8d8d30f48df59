// Fewer inferences per tracked object (issue 16). 0.8 sends a region around every
// tracked object to the detector every frame. With `coast_frames` > 0, vigil instead:
//   - carries a moving object on without a detection ("coasts": the camera looks for
//       its last detected patch around its constant-velocity prediction) while it
//       matched at its last look, its velocity is known, it is confirmed (a true
//       positive, or looked at 3 times already) and it has coasted fewer than
//       `coast_frames` frames in a row (then it is due and looked at);
//   - gives an object that went unmatched at its last look ("lost") no region of its
//       own: it ages every frame as before and is found again by a region that motion
//       or another object brings, so a false positive that vanished does not cost an
//       inference per frame for max_disappeared frames;
//   - keeps a region for every motion box that touches no coasting object's path (from
//       its box at its last look to its prediction, grown: 0.8's motion detector trails
//       behind a walker). Someone new in view is looked at at once; someone who joins a
//       coasting object is looked at when that object is due.
// A region that covers a coasting object makes it looked at. With regions merged into
// one full-frame pass, a busy scene costs one pass every `coast_frames` + 1 frames
// instead of one every frame; new objects are looked at every frame until confirmed,
// so events start as soon as before.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tracking/objects.h"
#include "tracking/tracker.h"
#include "util/box.h"

namespace vigil {

struct CoastPlan {
  std::set<std::string> coast;  // tracks carried on their prediction this frame (no region)
  std::set<std::string> lost;   // tracks unmatched at their last look: no region of their own
  std::vector<Box> motion;      // the motion boxes that touch no coasting track's path
};

// The plan of one frame, before its regions are chosen. `held` (stationary objects,
// §7.4) never coast: they are handled by their own check frames.
CoastPlan plan_coasting(const Tracker& tracker, const ObjectStates& objects, const std::set<std::string>& held,
                        const std::vector<Box>& motion, int coast_frames);

// A detection's luma patch (its box in the frame's Y plane), kept with the detection so
// a coasting object can be found again; empty for boxes over 160 px on a side (for
// those a prediction is close enough, and a search would cost too much).
std::vector<uint8_t> luma_patch(const uint8_t* y, int stride, int W, int H, const Box& box);

// Where `last`'s patch is in this frame's luma, searched within a margin around the
// predicted box (normalised cross-correlation); nullopt without a patch or a clear match.
std::optional<Box> find_patch(const uint8_t* y, int stride, int W, int H, const Detection& last, const Box& predicted);

// A coasting track whose predicted box lies inside a region chosen for this frame is
// looked at anyway (the detector sees it): it leaves the plan and is matched as usual.
void drop_covered(CoastPlan& plan, const Tracker& tracker, const std::vector<Box>& regions);

}  // namespace vigil
