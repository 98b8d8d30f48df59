// Object detector backends (pipeline.md §5.2–§5.3, config.md §4.5) on real models and
// pictures. Models: $VIGIL_MODELS or <repo>/../shared/models; pictures: the Debian
// package `darknet`; video frames: OpenCV's vtest (via the ffmpeg CLI, videoio is not
// linked). Tests skip when their files are absent.
#include "detect/detector.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "detect/checked_config.h"
#include "detect/model_registry.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

std::string models_dir() {
  if (const char* env = std::getenv("VIGIL_MODELS"); env && *env) return env;
  return std::string(VIGIL_SOURCE_DIR) + "/../shared/models";
}
std::string yolox_path() { return models_dir() + "/yolox-nano/yolox_nano.onnx"; }
std::string fastest_path() { return models_dir() + "/yolo-fastest-1.1-xl/yolo-fastest-1.1-xl.weights"; }
std::string picture(const std::string& name) { return "/usr/share/darknet/data/" + name; }

#define SKIP_UNLESS_FILE(path) \
  if (!fs::exists(path)) GTEST_SKIP() << (path) << " not found (set VIGIL_MODELS / install the darknet package)"

DetectorConfig opencv_detector(const std::string& path, const std::string& kind = "") {
  DetectorConfig cfg;
  cfg.name = "test_" + (kind.empty() ? std::string("model") : kind);
  cfg.type = "opencv";
  cfg.model.emplace();
  cfg.model->path = path;
  cfg.model->kind = kind;
  return cfg;
}

// A temporary file that disappears with the test.
struct TempFile {
  std::string path;
  TempFile(const std::string& name, const std::string& text)
      : path(
            (fs::temp_directory_path() / ("vigil_detector_test_" + std::to_string(::getpid()) + "_" + name)).string()) {
    std::ofstream(path) << text;
  }
  ~TempFile() { fs::remove(path); }
};

const PixelDetection* find(const std::vector<PixelDetection>& dets, const std::string& label) {
  for (const auto& d : dets)
    if (d.label == label) return &d;  // sorted by score: the best one
  return nullptr;
}

std::string describe(const std::vector<PixelDetection>& dets) {
  std::string s;
  for (const auto& d : dets)
    s += d.label + " " + std::to_string(d.score) + " [" + std::to_string(d.box.x1) + "," + std::to_string(d.box.y1) +
         "," + std::to_string(d.box.x2) + "," + std::to_string(d.box.y2) + "]\n";
  return s;
}

int cx(const Box& b) { return (b.x1 + b.x2) / 2; }
int cy(const Box& b) { return (b.y1 + b.y2) / 2; }

void expect_contract(const std::vector<PixelDetection>& dets) {
  EXPECT_LE(dets.size(), 20u);
  for (size_t i = 0; i < dets.size(); ++i) {
    EXPECT_GE(dets[i].score, 0.4f);
    if (i > 0) {
      EXPECT_GE(dets[i - 1].score, dets[i].score);
    }
  }
}

// Frame at `seconds` of OpenCV's vtest video, via the ffmpeg CLI; empty when unavailable.
cv::Mat vtest_frame(double seconds) {
  const char* media = std::getenv("VIGIL_TEST_MEDIA");
  std::vector<std::string> candidates = {"/usr/share/doc/opencv-doc/examples/data/vtest.avi"};
  if (media) candidates.insert(candidates.begin(), std::string(media) + "/vtest.mp4");
  for (const auto& video : candidates) {
    if (!fs::exists(video)) continue;
    TempFile png("vtest.png", "");
    const std::string cmd = "ffmpeg -y -loglevel error -ss " + std::to_string(seconds) + " -i '" + video +
                            "' -frames:v 1 '" + png.path + "'";
    if (std::system(cmd.c_str()) != 0) continue;
    cv::Mat img = cv::imread(png.path, cv::IMREAD_COLOR);
    if (!img.empty()) return img;
  }
  return {};
}

}  // namespace

// --- label files ----------------------------------------------------------------------

TEST(DetectorLabelmap, IndexFormatKeepsGapsAndStripsWhitespace) {
  TempFile f("index.txt", "0  person\n2 car\n  12   stop sign  \r\n\n90 toothbrush\n");
  auto m = load_labelmap(f.path);
  EXPECT_EQ(m, (std::map<int, std::string>{{0, "person"}, {2, "car"}, {12, "stop sign"}, {90, "toothbrush"}}));
}

TEST(DetectorLabelmap, LineFormatNumbersLinesFromZero) {
  TempFile f("lines.txt", "person\n  bicycle \r\n\ntraffic light\n");
  auto m = load_labelmap(f.path);
  EXPECT_EQ(m.at(0), "person");
  EXPECT_EQ(m.at(1), "bicycle");
  EXPECT_EQ(m.at(3), "traffic light");  // the blank line still counts (0.8 maps it to "")
  EXPECT_EQ(m.count(4), 0u);
}

TEST(DetectorLabelmap, BuiltInCocoAndUnreadableFile) {
  auto coco = load_labelmap("");
  ASSERT_EQ(coco.size(), 80u);
  EXPECT_EQ(coco.at(0), "person");
  EXPECT_EQ(coco.at(3), "motorcycle");  // 0.8's name, not darknet's "motorbike"
  EXPECT_EQ(coco.at(7), "truck");
  EXPECT_EQ(coco.at(16), "dog");
  EXPECT_EQ(coco.at(79), "toothbrush");
  EXPECT_TRUE(load_labelmap("/nonexistent/labels.txt").empty());
}

TEST(DetectorLabelmap, ShippedCocoNames) {
  const std::string path = models_dir() + "/yolox-nano/coco.names";
  SKIP_UNLESS_FILE(path);
  auto m = load_labelmap(path);
  ASSERT_EQ(m.size(), 80u);
  EXPECT_EQ(m.at(9), "traffic light");
  EXPECT_EQ(m.at(17), "horse");
}

// --- factory ----------------------------------------------------------------------------

TEST(DetectorFactory, MissingModelFileThrowsNamingTheDetector) {
  DetectorConfig cfg = opencv_detector("/nonexistent/yolox_nano.onnx");
  cfg.name = "front_door";
  try {
    make_detector(cfg, 320, 320);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("detectors.front_door"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/nonexistent/yolox_nano.onnx"), std::string::npos) << e.what();
  }
}

TEST(DetectorFactory, BrokenModelFileThrows) {
  TempFile garbage("broken.onnx", "this is not an ONNX file");
  EXPECT_THROW(make_detector(opencv_detector(garbage.path), 320, 320), std::runtime_error);
  // darknet weights without their .cfg
  TempFile weights("lonely.weights", "xxxx");
  try {
    make_detector(opencv_detector(weights.path), 320, 320);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("model.config: file not found: "), std::string::npos) << e.what();
  }
}

TEST(DetectorFactory, MissingLabelFileThrows) {
  SKIP_UNLESS_FILE(yolox_path());
  DetectorConfig cfg = opencv_detector(yolox_path());
  cfg.model->labelmap = "/nonexistent/coco.names";
  EXPECT_THROW(make_detector(cfg, 320, 320), std::runtime_error);
}

TEST(DetectorFactory, CpuAndEdgetpuWithoutModelRunHog) {
  DetectorConfig coral;  // 0.8's default detector: edgetpu, no model
  coral.name = "coral";
  auto d = make_detector(coral, 320, 320);
  EXPECT_EQ(d->input_width(), 400);
  EXPECT_EQ(d->input_height(), 400);

  DetectorConfig hog;
  hog.name = "hog";
  hog.type = "hog";
  hog.model.emplace();
  hog.model->width = 320;
  hog.model->height = 240;
  auto h = make_detector(hog, 300, 300);
  EXPECT_EQ(h->input_width(), 320);
  EXPECT_EQ(h->input_height(), 240);
}

TEST(DetectorFactory, WrongInputIsRejected) {
  DetectorConfig hog;
  hog.name = "hog";
  hog.type = "hog";
  auto d = make_detector(hog, 320, 320);
  EXPECT_THROW(d->detect(cv::Mat::zeros(300, 400, CV_8UC3)), std::invalid_argument);
  EXPECT_THROW(d->detect(cv::Mat::zeros(400, 400, CV_8UC1)), std::invalid_argument);
  EXPECT_TRUE(d->detect(cv::Mat::zeros(400, 400, CV_8UC3)).empty());
}

// --- YOLOX-Nano -----------------------------------------------------------------------------

TEST(DetectorYolox, PersonDogAndHorseInPersonJpg) {
  SKIP_UNLESS_FILE(yolox_path());
  SKIP_UNLESS_FILE(picture("person.jpg"));
  auto d = make_detector(opencv_detector(yolox_path()), 320, 320);
  EXPECT_EQ(d->input_width(), 416);
  EXPECT_EQ(d->input_height(), 416);
  cv::Mat img = cv::imread(picture("person.jpg"));  // 640×424
  auto dets = detect_full_image(*d, img);
  expect_contract(dets);
  ASSERT_EQ(dets.size(), 3u) << describe(dets);
  const auto *person = find(dets, "person"), *dog = find(dets, "dog"), *horse = find(dets, "horse");
  ASSERT_TRUE(person && dog && horse) << describe(dets);
  // Reference from the model README: person [188,97,88,274] (x, y, w, h), dog [62,263,138,85],
  // horse [404,138,198,205], all scoring about 0.87.
  for (const auto* det : {person, dog, horse}) EXPECT_NEAR(det->score, 0.87, 0.05) << describe(dets);
  EXPECT_NEAR(person->box.x1, 188, 8);
  EXPECT_NEAR(person->box.y1, 97, 8);
  EXPECT_NEAR(person->box.x2, 188 + 88, 8);
  EXPECT_NEAR(person->box.y2, 97 + 274, 8);
  EXPECT_NEAR(cx(dog->box), 62 + 138 / 2, 10);  // the dog, bottom left
  EXPECT_NEAR(cy(dog->box), 263 + 85 / 2, 10);
  EXPECT_NEAR(cx(horse->box), 404 + 198 / 2, 10);  // the white horse, right
  EXPECT_NEAR(cy(horse->box), 138 + 205 / 2, 10);
}

TEST(DetectorYolox, DogBicycleAndCarInDogJpg) {
  SKIP_UNLESS_FILE(yolox_path());
  SKIP_UNLESS_FILE(picture("dog.jpg"));
  auto d = make_detector(opencv_detector(yolox_path()), 320, 320);
  cv::Mat img = cv::imread(picture("dog.jpg"));  // 768×576
  auto dets = detect_full_image(*d, img);
  expect_contract(dets);
  const auto *dog = find(dets, "dog"), *bike = find(dets, "bicycle"), *car = find(dets, "car");
  ASSERT_TRUE(dog && bike && car) << describe(dets);
  EXPECT_EQ(find(dets, "truck"), nullptr) << "default label_aliases map truck to car";
  // The dog sits in the lower left, the bicycle spans the middle, the pick-up is top right.
  EXPECT_LT(cx(dog->box), img.cols / 2);
  EXPECT_GT(cy(dog->box), img.rows / 2);
  EXPECT_GT(dog->box.height(), img.rows / 2);
  EXPECT_GT(bike->box.width(), img.cols / 2);
  EXPECT_GT(cx(car->box), img.cols / 2);
  EXPECT_LT(cy(car->box), img.rows / 3);
}

// label_aliases rename labels as they leave the detector: {truck: car} by default, {}
// keeps the label file's name. (The van in vtest is a real truck, and the dog is
// renamed through a label file that calls class 16 "truck".)
TEST(DetectorYolox, LabelAliases) {
  SKIP_UNLESS_FILE(yolox_path());
  SKIP_UNLESS_FILE(picture("dog.jpg"));
  auto labels = load_labelmap("");
  labels[16] = "truck";
  std::string text;
  for (const auto& [id, name] : labels) text += std::to_string(id) + " " + name + "\n";
  TempFile labelfile("dog_is_truck.txt", text);

  cv::Mat img = cv::imread(picture("dog.jpg"));
  DetectorConfig cfg = opencv_detector(yolox_path());
  cfg.model->labelmap = labelfile.path;
  auto by_default = detect_full_image(*make_detector(cfg, 320, 320), img);
  ASSERT_FALSE(by_default.empty());
  EXPECT_EQ(find(by_default, "truck"), nullptr) << describe(by_default);
  EXPECT_EQ(find(by_default, "dog"), nullptr) << describe(by_default);
  ASSERT_NE(find(by_default, "car"), nullptr);

  cfg.model->label_aliases = {};
  auto kept = detect_full_image(*make_detector(cfg, 320, 320), img);
  const PixelDetection* truck = find(kept, "truck");
  ASSERT_NE(truck, nullptr) << describe(kept);
  EXPECT_LT(cx(truck->box), img.cols / 2);  // it is the dog
}

// A blank line in a one-label-per-line file names no class: its detections are dropped.
TEST(DetectorYolox, UnnamedClassIsDropped) {
  SKIP_UNLESS_FILE(yolox_path());
  SKIP_UNLESS_FILE(picture("dog.jpg"));
  auto coco = load_labelmap("");
  std::string text;
  for (const auto& [id, name] : coco) text += (id == 16 ? std::string() : name) + "\n";  // no "dog"
  TempFile labelfile("no_dog.txt", text);
  DetectorConfig cfg = opencv_detector(yolox_path());
  cfg.model->labelmap = labelfile.path;
  auto dets = detect_full_image(*make_detector(cfg, 320, 320), cv::imread(picture("dog.jpg")));
  EXPECT_NE(find(dets, "bicycle"), nullptr) << describe(dets);
  for (const auto& d : dets) EXPECT_FALSE(d.label.empty() || d.label == "dog") << describe(dets);
}

TEST(DetectorYolox, TruckInVtestReportedAsCarUnlessAliasesCleared) {
  SKIP_UNLESS_FILE(yolox_path());
  cv::Mat frame = vtest_frame(10);
  if (frame.empty()) GTEST_SKIP() << "vtest video or ffmpeg not available";
  DetectorConfig cfg = opencv_detector(yolox_path());
  cfg.model->label_aliases = {};
  auto kept = detect_full_image(*make_detector(cfg, 320, 320), frame);
  const PixelDetection* van = find(kept, "truck");
  ASSERT_NE(van, nullptr) << describe(kept);
  EXPECT_GT(cx(van->box), frame.cols * 3 / 4);  // the white van, top right
  EXPECT_LT(cy(van->box), frame.rows / 4);

  auto aliased = detect_full_image(*make_detector(opencv_detector(yolox_path()), 320, 320), frame);
  EXPECT_EQ(find(aliased, "truck"), nullptr) << describe(aliased);
  EXPECT_NE(find(aliased, "car"), nullptr) << describe(aliased);
}

TEST(DetectorYolox, ShippedCocoNamesLabels) {
  SKIP_UNLESS_FILE(yolox_path());
  SKIP_UNLESS_FILE(picture("person.jpg"));
  DetectorConfig cfg = opencv_detector(yolox_path());
  cfg.model->labelmap = models_dir() + "/yolox-nano/coco.names";
  auto dets = detect_full_image(*make_detector(cfg, 320, 320), cv::imread(picture("person.jpg")));
  EXPECT_NE(find(dets, "horse"), nullptr) << describe(dets);
}

// --- Yolo-Fastest (darknet) ------------------------------------------------------------------

// The detector runs at the size and with the labels config validation resolved: the
// config names only the weights, tracks darknet's `motorbike` as 0.8's `motorcycle`, and
// --check-config's answer is what make_detector builds.
TEST(DetectorDarknet, AgreesWithTheCheckedConfig) {
  SKIP_UNLESS_FILE(fastest_path());
  std::vector<std::string> warnings;
  Config c =
      parse_checked_config("detectors: {x: {type: opencv, model: {path: " + fastest_path() +
                               "}}}\n"
                               "cameras:\n  back:\n    ffmpeg: {inputs: [{path: rtsp://cam/1, roles: [detect]}]}\n"
                               "    width: 640\n    height: 360\n    rtmp: {enabled: false}\n"
                               "    objects: {track: [person, motorcycle]}\n",
                           false, &warnings);
  EXPECT_TRUE(warnings.empty()) << (warnings.empty() ? "" : warnings[0]);
  const ModelFileConfig& checked = *c.detectors.at(0).model;
  auto d = make_detector(c.detectors.at(0), c.model_width, c.model_height);
  EXPECT_EQ(d->input_width(), checked.width);
  EXPECT_EQ(d->input_height(), checked.height);
  EXPECT_EQ(checked.width, 320);                                 // from the cfg's [net] section
  EXPECT_EQ(detect::model_labels(checked).at(3), "motorcycle");  // coco.names says motorbike
}

TEST(DetectorDarknet, DogInDogJpgAndPersonInPersonJpg) {
  SKIP_UNLESS_FILE(fastest_path());
  SKIP_UNLESS_FILE(picture("dog.jpg"));
  SKIP_UNLESS_FILE(picture("person.jpg"));
  auto d = make_detector(opencv_detector(fastest_path()), 416, 416);  // kind from .weights, size from the cfg
  EXPECT_EQ(d->input_width(), 320);
  EXPECT_EQ(d->input_height(), 320);

  cv::Mat dog_img = cv::imread(picture("dog.jpg"));
  auto dets = detect_full_image(*d, dog_img);
  expect_contract(dets);
  const auto* dog = find(dets, "dog");
  ASSERT_NE(dog, nullptr) << describe(dets);
  EXPECT_GT(dog->score, 0.8f);
  EXPECT_LT(cx(dog->box), dog_img.cols / 2);
  EXPECT_GT(cy(dog->box), dog_img.rows / 2);

  cv::Mat person_img = cv::imread(picture("person.jpg"));
  dets = detect_full_image(*d, person_img);
  expect_contract(dets);
  const auto* person = find(dets, "person");
  ASSERT_NE(person, nullptr) << describe(dets);
  EXPECT_NEAR(cx(person->box), 188 + 88 / 2, 15);  // the walker in blue, centre of the picture
  EXPECT_NEAR(cy(person->box), 97 + 274 / 2, 15);
}

// --- SSD ----------------------------------------------------------------------------------------

// No SSD model ships here, so this runs a tiny Caffe network that has the SSD output
// layout: it pools the pre-processed image and emits four [image, class, score, x1, y1,
// x2, y2] rows. Row 1's score is 0.45 + 0.45·(mean of channel 0), i.e. 0.9 for a pure
// red image only when swap_rb put red first and mean/scale mapped 255 to 1.
TEST(DetectorSsd, DecodesDetectionOutputRows) {
  auto constant = [](const std::string& name, double v) {
    const char* from = v < 1 ? "c1" : "c2";  // every Slice output must be used
    return "layer { name: \"" + name + "\" type: \"Power\" bottom: \"" + from + "\" top: \"" + name +
           "\" power_param { power: 1 scale: 0 shift: " + std::to_string(v) + " } }\n";
  };
  auto row = [&](const std::string& name, std::vector<std::string> cols) {
    std::string s = "layer { name: \"" + name + "\" type: \"Concat\"";
    for (const auto& c : cols) s += " bottom: \"" + c + "\"";
    return s + " top: \"" + name + "\" concat_param { axis: 3 } }\n";
  };
  std::string net =
      "name: \"fake_ssd\"\n"
      "input: \"data\"\ninput_shape { dim: 1 dim: 3 dim: 300 dim: 300 }\n"
      "layer { name: \"pool\" type: \"Pooling\" bottom: \"data\" top: \"pool\" "
      "pooling_param { pool: AVE global_pooling: true } }\n"
      "layer { name: \"slice\" type: \"Slice\" bottom: \"pool\" top: \"c0\" top: \"c1\" top: \"c2\" "
      "slice_param { axis: 1 } }\n"
      "layer { name: \"score\" type: \"Power\" bottom: \"c0\" top: \"score\" "
      "power_param { power: 1 scale: 0.45 shift: 0.45 } }\n";
  const std::pair<const char*, double> constants[] = {{"k0", 0},   {"k1", 1},   {"k3", 3},   {"k5", 5},
                                                      {"k17", 17}, {"p1", 0.1}, {"p2", 0.2}, {"p3", 0.3},
                                                      {"p5", 0.5}, {"p6", 0.6}, {"p8", 0.8}, {"p95", 0.95}};
  for (auto [name, v] : constants) net += constant(name, v);
  net += row("r_horse", {"k0", "k17", "score", "p1", "p2", "p5", "p6"});  // kept
  net += row("r_unknown", {"k0", "k5", "p95", "p1", "p1", "p2", "p2"});   // class 5 not in the label file
  net += row("r_low", {"k0", "k3", "p3", "p6", "p6", "p8", "p8"});        // score 0.3 < 0.4
  net += row("r_overlap", {"k0", "k1", "p8", "p1", "p2", "p5", "p5"});    // IoU 0.75 with r_horse
  net +=
      "layer { name: \"out\" type: \"Concat\" bottom: \"r_horse\" bottom: \"r_unknown\" bottom: \"r_low\" "
      "bottom: \"r_overlap\" top: \"detection_out\" concat_param { axis: 2 } }\n";
  TempFile model("fake_ssd.prototxt", net);
  TempFile labels("ssd_labels.txt", "1 person\n3 car\n17 horse\n");

  DetectorConfig cfg = opencv_detector(model.path, "ssd");
  cfg.model->labelmap = labels.path;
  auto d = make_detector(cfg, 300, 300);  // no size of its own: the global model size
  ASSERT_EQ(d->input_width(), 300);
  ASSERT_EQ(d->input_height(), 300);

  cv::Mat red(300, 300, CV_8UC3, cv::Scalar(0, 0, 255));  // BGR
  auto dets = d->detect(red);
  ASSERT_EQ(dets.size(), 1u);  // person 0.8 overlaps the better horse box: class-agnostic NMS
  EXPECT_EQ(dets[0].label, "horse");
  EXPECT_NEAR(dets[0].score, 0.9, 1e-4);
  EXPECT_NEAR(dets[0].xmin, 0.1, 1e-6);
  EXPECT_NEAR(dets[0].ymin, 0.2, 1e-6);
  EXPECT_NEAR(dets[0].xmax, 0.5, 1e-6);
  EXPECT_NEAR(dets[0].ymax, 0.6, 1e-6);

  // A blue image has no red: channel 0 is −1 after pre-processing, the horse row scores 0
  // and the person row survives.
  dets = d->detect(cv::Mat(300, 300, CV_8UC3, cv::Scalar(255, 0, 0)));
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_EQ(dets[0].label, "person");
  EXPECT_NEAR(dets[0].score, 0.8, 1e-4);
}

// --- HOG --------------------------------------------------------------------------------------

TEST(DetectorHog, FindsPeopleInVtest) {
  cv::Mat frame = vtest_frame(10);  // 768×576; the walkers are 60–100 px tall
  if (frame.empty()) GTEST_SKIP() << "vtest video or ffmpeg not available";
  DetectorConfig cfg;
  cfg.name = "hog";
  cfg.type = "hog";
  auto d = make_detector(cfg, 320, 320);
  // HOG's window is 64×128 and it only scales down, so run it on native-resolution
  // 400×400 crops (the region path of pipeline.md §4) rather than the shrunk frame.
  int people = 0;
  for (cv::Point origin : {cv::Point(0, 0), cv::Point(368, 0), cv::Point(0, 176), cv::Point(368, 176)}) {
    cv::Mat crop = frame(cv::Rect(origin, cv::Size(400, 400))).clone();
    for (const RawDetection& r : d->detect(crop)) {
      EXPECT_EQ(r.label, "person");
      EXPECT_GE(r.score, 0.5f);  // hitThreshold 0 → w ≥ 0
      // The walkers at 10 s are on the road between x 330 and 640, y 150 and 280.
      const float fx = origin.x + (r.xmin + r.xmax) / 2 * 400, fy = origin.y + (r.ymin + r.ymax) / 2 * 400;
      EXPECT_TRUE(fx > 300 && fx < 660 && fy > 140 && fy < 300) << "box centre " << fx << "," << fy;
      ++people;
    }
  }
  EXPECT_GE(people, 1);
}

// --- timing (run by hand: --gtest_also_run_disabled_tests --gtest_filter='*Timing*') ---------
// Measured 2026-11-26 on the project's 2-vCPU VM (OpenCV 4.6, mean of 50 calls):
//   hog 400×400           34 ms (1 thread)   17 ms (2 threads)
//   yolox-nano 416×416    42 ms              26–28 ms
//   yolo-fastest 320×320  19 ms              9.5–10 ms
// With another compile running on the second core the 2-thread numbers approach the 1-thread ones.

TEST(DISABLED_DetectorTiming, PerCall) {
  cv::Mat frame = vtest_frame(10);
  if (frame.empty()) GTEST_SKIP() << "vtest video or ffmpeg not available";
  DetectorConfig hog;
  hog.name = "hog";
  hog.type = "hog";
  std::vector<DetectorConfig> configs = {hog};
  if (fs::exists(yolox_path())) configs.push_back(opencv_detector(yolox_path(), "yolox"));
  if (fs::exists(fastest_path())) configs.push_back(opencv_detector(fastest_path(), "darknet"));
  const int default_threads = cv::getNumThreads();
  for (int threads : {1, default_threads}) {
    cv::setNumThreads(threads);  // process-wide
    for (const auto& cfg : configs) {
      auto d = make_detector(cfg, 320, 320);
      cv::Mat input(d->input_height(), d->input_width(), CV_8UC3);
      cv::resize(frame(cv::Rect(0, 0, 576, 576)), input, input.size());
      constexpr int kRuns = 50;
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < kRuns; ++i) d->detect(input);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / kRuns;
      std::printf("%s %dx%d, %d thread(s): %.1f ms per detect()\n", cfg.name.c_str(), d->input_width(),
                  d->input_height(), threads, ms);
    }
  }
  cv::setNumThreads(default_threads);
}

}  // namespace vigil
