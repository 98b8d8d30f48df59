#include "detect/model_registry.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "util/printable.h"

namespace vigil::detect {

namespace fs = std::filesystem;

const std::vector<const ModelKind*>& model_kinds() {
  // Listed here, not self-registered: a static library drops object files nothing refers to.
  static const std::vector<const ModelKind*> kinds = {&yolox_kind(), &darknet_kind(), &ssd_kind()};
  return kinds;
}

const ModelKind* find_model_kind(const std::string& name) {
  for (const ModelKind* k : model_kinds())
    if (k->name == name) return k;
  return nullptr;
}

namespace {

// The kind a weights file's extension implies; ssd (protobuf graphs, Caffe models) otherwise.
const ModelKind& kind_for_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const ModelKind* k : model_kinds())
    if (std::find(k->extensions.begin(), k->extensions.end(), ext) != k->extensions.end()) return *k;
  return ssd_kind();
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// The input size `kind` gives a model that sets none (0 where it cannot tell).
std::pair<int, int> default_size(const ModelKind& kind, const ModelFileConfig& m, int global_w, int global_h) {
  if (kind.fixed_size > 0) return {kind.fixed_size, kind.fixed_size};
  if (kind.read_size) return kind.read_size(m.config);
  return {global_w, global_h};
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
    const auto [w, h] = default_size(*kind, m, global_w, global_h);
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

std::map<int, std::string> model_labels(const ModelFileConfig& m) {
  const ModelKind* kind = find_model_kind(m.kind.empty() ? kind_for_path(m.path).name : m.kind);
  if (!kind) return {};
  std::map<int, std::string> labels;
  for (const auto& [id, raw] : load_labelmap(m.labelmap)) {
    if (raw.empty()) continue;  // a blank line in a one-label-per-line file names no class
    const std::string* label = &raw;
    if (kind->label_renames)
      if (auto renamed = kind->label_renames->find(raw); renamed != kind->label_renames->end())
        label = &renamed->second;
    auto alias = m.label_aliases.find(*label);
    labels[id] = alias == m.label_aliases.end() ? *label : alias->second;
  }
  return labels;
}

const ModelRules& model_rules() {
  static const ModelRules rules = [] {
    ModelRules r{{}, resolve_model, model_labels};
    for (const ModelKind* k : model_kinds()) r.kinds.push_back(k->name);
    return r;
  }();
  return rules;
}

}  // namespace vigil::detect
