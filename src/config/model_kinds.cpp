#include "config/model_kinds.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "util/printable.h"

namespace vigil {

namespace fs = std::filesystem;

const std::vector<ModelKind>& model_kinds() {
  // yolox: BGR 0–255 at 416×416; darknet: RGB / 255 at the cfg's size; ssd (TensorFlow
  // and Caffe detection-output layouts): RGB scaled to ±1 at the global model size.
  static const std::vector<ModelKind> kinds = {
      {"yolox", {".onnx"}, "", ModelKind::Size::kFixed, 416, 1.0, 0.0, false},
      {"darknet", {".weights"}, ".cfg", ModelKind::Size::kFromCompanion, 0, 1.0 / 255, 0.0, true},
      {"ssd", {}, "", ModelKind::Size::kGlobalModel, 0, 1.0 / 127.5, 127.5, true},
  };
  return kinds;
}

std::vector<std::string> model_kind_names() {
  std::vector<std::string> names;
  for (const ModelKind& k : model_kinds()) names.push_back(k.name);
  return names;
}

const ModelKind* find_model_kind(const std::string& name) {
  for (const ModelKind& k : model_kinds())
    if (k.name == name) return &k;
  return nullptr;
}

namespace {

// The kind a weights file's extension implies; ssd (protobuf graphs, Caffe models) otherwise.
const ModelKind& kind_for_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const ModelKind& k : model_kinds())
    if (std::find(k.extensions.begin(), k.extensions.end(), ext) != k.extensions.end()) return k;
  return *find_model_kind("ssd");
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

}  // namespace

std::vector<ModelProblem> resolve_model(ModelFileConfig& m, int global_w, int global_h) {
  std::vector<ModelProblem> problems;
  if (m.kind.empty()) m.kind = kind_for_path(m.path).name;
  const ModelKind* kind = find_model_kind(m.kind);
  if (!kind) return {{"kind", "unknown model kind '" + m.kind + "'"}};
  if (!is_file(m.path)) problems.push_back({"path", "file not found: " + printable(m.path)});
  if (m.config.empty() && !kind->companion.empty())
    m.config = fs::path(m.path).replace_extension(kind->companion).string();
  if (!m.config.empty() && !is_file(m.config)) problems.push_back({"config", "file not found: " + printable(m.config)});

  if (m.width <= 0 || m.height <= 0) {
    int w = 0, h = 0;
    switch (kind->size) {
      case ModelKind::Size::kFixed:
        w = h = kind->fixed_size;
        break;
      case ModelKind::Size::kGlobalModel:
        w = global_w, h = global_h;
        break;
      case ModelKind::Size::kFromCompanion:
        std::tie(w, h) = darknet_cfg_size(m.config);
        break;
    }
    if (m.width <= 0) m.width = w;
    if (m.height <= 0) m.height = h;
  }
  if ((m.width <= 0 || m.height <= 0) && problems.empty())
    problems.push_back({"width", "no input size: set model.width and model.height" +
                                     (m.config.empty() ? std::string() : " (" + printable(m.config) + " has none)")});

  if (m.labelmap.empty()) {
    if (fs::path beside = fs::path(m.path).parent_path() / "coco.names"; is_file(beside.string()))
      m.labelmap = beside.string();
  } else if (!is_file(m.labelmap)) {
    problems.push_back({"labelmap", "file not found: " + printable(m.labelmap)});
  }

  if (!m.scale) m.scale = kind->scale;
  if (!m.mean) m.mean = std::vector<double>(3, kind->mean);
  if (!m.swap_rb) m.swap_rb = kind->swap_rb;
  return problems;
}

std::pair<int, int> darknet_cfg_size(const std::string& cfg_path) {
  std::ifstream in(cfg_path);
  bool in_net = false;
  int w = 0, h = 0;
  for (std::string line; std::getline(in, line);) {
    line.erase(std::find_if(line.begin(), line.end(), [](char c) { return c == '#' || c == ';'; }), line.end());
    std::erase_if(line, [](unsigned char c) { return std::isspace(c); });
    if (line.empty()) continue;
    if (line[0] == '[') {
      if (in_net) break;  // [net] is over
      in_net = line == "[net]" || line == "[network]";
      continue;
    }
    if (!in_net) continue;
    int* target = line.rfind("width=", 0) == 0 ? &w : line.rfind("height=", 0) == 0 ? &h : nullptr;
    if (!target) continue;
    const std::string value = line.substr(line.find('=') + 1);
    if (value.empty() || value.size() > 6 || value.find_first_not_of("0123456789") != std::string::npos)
      *target = 0;  // malformed: no size
    else
      *target = std::stoi(value);
  }
  return {w, h};
}

std::map<int, std::string> model_labels(const ModelFileConfig& m) {
  // Darknet's coco.names (shipped beside the models) uses VOC-era names where 0.8's COCO
  // label map did not; configs written for 0.8 say `motorcycle`, so report those.
  static const std::map<std::string, std::string> kFrigateNames = {
      {"motorbike", "motorcycle"}, {"aeroplane", "airplane"}, {"sofa", "couch"}, {"tvmonitor", "tv"}};
  std::map<int, std::string> labels;
  for (const auto& [id, raw] : load_labelmap(m.labelmap)) {
    if (raw.empty()) continue;  // a blank line in a one-label-per-line file names no class
    auto renamed = kFrigateNames.find(raw);
    const std::string& label = renamed == kFrigateNames.end() ? raw : renamed->second;
    auto alias = m.label_aliases.find(label);
    labels[id] = alias == m.label_aliases.end() ? label : alias->second;
  }
  return labels;
}

}  // namespace vigil
