// Linked with one layer's whole library and only the layers below it (tests/CMakeLists.txt):
// that this program links at all is the check.
#include <cstdio>

int main() {
  std::printf("layer %s links alone\n", VIGIL_LAYER);
  return 0;
}
