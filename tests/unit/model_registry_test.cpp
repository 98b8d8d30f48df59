// The detector registry (detect/model_registry.h): one descriptor per model kind, used by
// config validation and make_detector alike.
#include "detect/model_registry.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

namespace vigil {
namespace {

TEST(ModelRegistry, EveryKindHasAFactoryAndItsOwnExtensions) {
  std::set<std::string> names, extensions;
  for (const detect::ModelKind* k : detect::model_kinds()) {
    EXPECT_NE(k->make, nullptr) << k->name;
    EXPECT_TRUE(names.insert(k->name).second) << "two kinds named " << k->name;
    for (const std::string& ext : k->extensions) {
      EXPECT_TRUE(ext.size() > 1 && ext[0] == '.') << k->name << ": " << ext;
      for (char c : ext) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c))) << k->name << ": " << ext;
      EXPECT_TRUE(extensions.insert(ext).second) << ext << " implies two kinds";
    }
    EXPECT_EQ(detect::find_model_kind(k->name), k);
  }
  // What config validation checks model.kind against is the registry's list, in its order.
  EXPECT_EQ(detect::model_rules().kinds, (std::vector<std::string>{"yolox", "darknet", "ssd"}));
  EXPECT_EQ(detect::find_model_kind("hog"), nullptr);  // HOG has no model file: no kind
}

// The kind comes from the weights' extension (any case); ssd when no kind claims it.
TEST(ModelRegistry, KindFromTheExtension) {
  for (const auto& [path, kind] : std::vector<std::pair<std::string, std::string>>{
           {"/m/a.onnx", "yolox"}, {"/m/a.ONNX", "yolox"}, {"/m/a.weights", "darknet"}, {"/m/a.pb", "ssd"}}) {
    ModelFileConfig m;
    m.path = path;
    detect::resolve_model(m, 320, 320);  // the files do not exist: problems, but the kind is set
    EXPECT_EQ(m.kind, kind) << path;
  }
}

}  // namespace
}  // namespace vigil
