// The detector registry: everything vigil knows about a model format (config.md §4.5),
// declared by each backend's own file (yolox_detector.cpp, darknet_detector.cpp,
// ssd_detector.cpp) and listed here. Config validation (model_rules(), passed to
// load_config by load_checked_config) and make_detector() resolve a model with the same
// resolve_model(), so `--check-config` and the running detector agree on input size and
// labels. OpenCV's HOG people detector has no model file and is no kind here (its one
// default, kHogInputSize, is in config/config.h; make_detector builds it).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "detect/detector.h"

namespace vigil::detect {

struct DnnModel;  // detect/backends.h

// Label file name → the label vigil reports.
using LabelRenames = std::map<std::string, std::string>;

struct ModelKind {
  std::string name;                          // model.kind
  std::vector<std::string> extensions = {};  // weights extensions that imply the kind (lower case)
  std::string companion = {};                // extension of a second file beside the weights ("" = none)
  // Input size when model.width/height are absent: fixed_size when > 0, else what
  // read_size finds in the companion file when set (0 = none there), else the global
  // model.width/height.
  int fixed_size = 0;
  std::pair<int, int> (*read_size)(const std::string& companion_path) = nullptr;
  // Pre-processing defaults: blob = (pixel − mean) × scale, channels swapped when swap_rb.
  double scale = 1.0, mean = 0.0;
  bool swap_rb = false;
  const LabelRenames* label_renames = nullptr;            // applied before label_aliases; nullptr = none
  std::unique_ptr<Detector> (*make)(DnnModel) = nullptr;  // the backend
};

// Each backend file's descriptor.
const ModelKind& yolox_kind();
const ModelKind& darknet_kind();
const ModelKind& ssd_kind();

// Every kind, in the order config errors list them (yolox, darknet, ssd).
const std::vector<const ModelKind*>& model_kinds();
// The kind named `name`, or nullptr.
const ModelKind* find_model_kind(const std::string& name);

// Fills in every default of §4.5 in `m` (kind from the extension, ssd when none matches;
// the companion file beside the weights; input size per kind; coco.names beside the
// weights as label file; pre-processing per kind) and checks the files. Idempotent:
// resolving a resolved model changes nothing. `global_w/h` are the global model.width/height.
std::vector<ModelProblem> resolve_model(ModelFileConfig& m, int global_w, int global_h);

// Class id → the label the detector reports: the label file (load_labelmap), the kind's
// renames, then label_aliases. Blank names are dropped. Empty when the label file cannot
// be read or the kind is unknown.
std::map<int, std::string> model_labels(const ModelFileConfig& m);

// The registry as config validation uses it (config/config.h ModelRules).
const ModelRules& model_rules();

// width=/height= of a darknet cfg's [net] section (comments, blank lines and spaces
// around `=` allowed); 0 where absent or malformed. darknet_kind()'s read_size.
std::pair<int, int> darknet_cfg_size(const std::string& cfg_path);

// Darknet's coco.names uses VOC-era names where 0.8's COCO label map did not (motorbike →
// motorcycle, …); configs written for 0.8 say `motorcycle`. The same file ships beside
// the YOLOX model, so every kind applies these renames.
const LabelRenames& darknet_coco_renames();

}  // namespace vigil::detect
