// What vigil knows about each model format (config.md §4.5), in one place: config
// validation resolves a model's defaults with it and reports problems by key, and
// make_detector() resolves the same way (idempotently) before building the backend, so
// `--check-config` and the running detector always agree on input size and labels.
// Pure: no OpenCV, so the config layer can use it.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"

namespace vigil {

// OpenCV's HOG people detector: the input size when the config gives none.
constexpr int kHogInputSize = 400;

struct ModelKind {
  std::string name;                     // yolox | darknet | ssd (model.kind)
  std::vector<std::string> extensions;  // weights extensions that imply the kind (lower case)
  std::string companion;                // second file beside the weights by default ("" = none)
  // Input size when model.width/height are absent: a fixed size, the size in the
  // companion file (darknet cfg), or the global model.width/height.
  enum class Size { kFixed, kFromCompanion, kGlobalModel } size;
  int fixed_size;
  // Pre-processing defaults (blob = (pixel − mean) × scale, channels swapped when swap_rb).
  double scale, mean;
  bool swap_rb;
};

// Every kind, in the order config errors list them.
const std::vector<ModelKind>& model_kinds();
std::vector<std::string> model_kind_names();
// The kind named `name`, or nullptr.
const ModelKind* find_model_kind(const std::string& name);

// A problem that makes a model unusable; `key` is relative to the `model` section.
struct ModelProblem {
  std::string key, message;
};

// Fills in every default of §4.5 in `m` (kind from the extension; darknet's .cfg beside
// the weights; input size per kind; coco.names beside the weights as label file;
// pre-processing per kind) and checks the files. Idempotent: resolving a resolved model
// changes nothing. `global_w/h` are the global model.width/height.
std::vector<ModelProblem> resolve_model(ModelFileConfig& m, int global_w, int global_h);

// width=/height= of a darknet cfg's [net] section (comments, blank lines and spaces
// around `=` allowed); 0 where absent or malformed.
std::pair<int, int> darknet_cfg_size(const std::string& cfg_path);

// Class id → the label the detector reports: the label file (load_labelmap), Darknet's
// VOC-era names renamed to 0.8's COCO names (motorbike → motorcycle, …), then
// label_aliases. Blank names are dropped. Empty when the label file cannot be read.
std::map<int, std::string> model_labels(const ModelFileConfig& m);

}  // namespace vigil
