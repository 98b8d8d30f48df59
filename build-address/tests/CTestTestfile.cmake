# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build-address/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build-address/tests/unit_tests[1]_include.cmake")
include("/work/main/build-address/tests/integration_tests[1]_include.cmake")
include("/work/main/build-address/tests/long_integration_tests[1]_include.cmake")
add_test([=[layer_links_alone.base]=] "/work/main/build-address/tests/layer_base")
set_tests_properties([=[layer_links_alone.base]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;21;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[layer_links_alone.media]=] "/work/main/build-address/tests/layer_media")
set_tests_properties([=[layer_links_alone.media]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;21;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[layer_links_alone.vision]=] "/work/main/build-address/tests/layer_vision")
set_tests_properties([=[layer_links_alone.vision]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;21;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[layer_links_alone.render]=] "/work/main/build-address/tests/layer_render")
set_tests_properties([=[layer_links_alone.render]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;21;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[layer_links_alone.events]=] "/work/main/build-address/tests/layer_events")
set_tests_properties([=[layer_links_alone.events]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;21;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[layer_links_alone.camera]=] "/work/main/build-address/tests/layer_camera")
set_tests_properties([=[layer_links_alone.camera]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;21;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[layer_links_alone.api]=] "/work/main/build-address/tests/layer_api")
set_tests_properties([=[layer_links_alone.api]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;21;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[layer_links_alone.mqtt]=] "/work/main/build-address/tests/layer_mqtt")
set_tests_properties([=[layer_links_alone.mqtt]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;21;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[layer_links_alone.app]=] "/work/main/build-address/tests/layer_app")
set_tests_properties([=[layer_links_alone.app]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;21;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[layer_includes]=] "/root/.pyenv/shims/python3" "/work/main/tests/layers/check_includes.py" "/work/main/src" "util:util,config" "config:util,config" "input:input,storage,restream,util,config" "storage:input,storage,restream,util,config" "restream:input,storage,restream,util,config" "motion:motion,regions,detect,tracking,input,storage,restream,util,config" "regions:motion,regions,detect,tracking,input,storage,restream,util,config" "detect:motion,regions,detect,tracking,input,storage,restream,util,config" "tracking:motion,regions,detect,tracking,input,storage,restream,util,config" "render:render,motion,regions,detect,tracking,input,storage,restream,util,config" "events:events,render,motion,regions,detect,tracking,input,storage,restream,util,config" "camera:camera,events,render,motion,regions,detect,tracking,input,storage,restream,util,config" "api:api,camera,events,render,motion,regions,detect,tracking,input,storage,restream,util,config" "mqtt:mqtt,camera,events,render,motion,regions,detect,tracking,input,storage,restream,util,config" "app:app,api,camera,events,render,motion,regions,detect,tracking,input,storage,restream,util,config,mqtt")
set_tests_properties([=[layer_includes]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;25;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[web_ui]=] "/usr/bin/node" "--test" "/work/main/tests/web/ui.test.mjs")
set_tests_properties([=[web_ui]=] PROPERTIES  ENVIRONMENT "VIGIL_BIN=/work/main/build-address/vigil;VIGIL_TEST_MEDIA=/work/main/build-address/media;VIGIL_WEB_DIR=/work/main/web/dist;VIGIL_SCREENSHOTS=/work/main/build-address/web-screenshots" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;58;add_test;/work/main/tests/CMakeLists.txt;0;")
