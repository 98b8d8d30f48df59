// Minimum-cost assignment (Hungarian algorithm, O(n²m)) for the tracker.
#pragma once

#include <vector>

namespace vigil {

// cost[i][j] for rows i (tracks) and columns j (detections). Returns for every row
// the assigned column, or -1 when there are more rows than columns and it got none.
std::vector<int> solve_assignment(const std::vector<std::vector<double>>& cost);

}  // namespace vigil
