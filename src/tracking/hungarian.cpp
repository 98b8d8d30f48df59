#include "tracking/hungarian.h"

#include <cstddef>
#include <limits>

namespace vigil {
namespace {

// Rows ≤ columns. Classic potentials formulation (1-based internally).
std::vector<int> solve_rows_le_cols(const std::vector<std::vector<double>>& a) {
  const int n = int(a.size()), m = int(a[0].size());
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1), v(m + 1);
  std::vector<int> p(m + 1), way(m + 1);
  for (int i = 1; i <= n; ++i) {
    p[0] = i;
    int j0 = 0;
    std::vector<double> minv(m + 1, inf);
    std::vector<char> used(m + 1, false);
    do {
      used[j0] = true;
      int i0 = p[j0], j1 = 0;
      double delta = inf;
      for (int j = 1; j <= m; ++j) {
        if (used[j]) continue;
        double cur = a[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= m; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  std::vector<int> row_to_col(n, -1);
  for (int j = 1; j <= m; ++j)
    if (p[j]) row_to_col[p[j] - 1] = j - 1;
  return row_to_col;
}

}  // namespace

std::vector<int> solve_assignment(const std::vector<std::vector<double>>& cost) {
  if (cost.empty()) return {};
  const size_t n = cost.size(), m = cost[0].size();
  if (m == 0) return std::vector<int>(n, -1);
  if (n <= m) return solve_rows_le_cols(cost);
  std::vector<std::vector<double>> t(m, std::vector<double>(n));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < m; ++j) t[j][i] = cost[i][j];
  std::vector<int> col_to_row = solve_rows_le_cols(t);
  std::vector<int> out(n, -1);
  for (size_t j = 0; j < m; ++j)
    if (col_to_row[j] >= 0) out[col_to_row[j]] = int(j);
  return out;
}

}  // namespace vigil
