// apply_ingress_prefix (api/static_routes.h): the prefix is escaped where it is written
// into index.html, whatever the caller checked.
#include <gtest/gtest.h>

#include "api/static_routes.h"

namespace vigil {
namespace {

TEST(IngressPrefix, AppliedToLinksAndBaseUrl) {
  EXPECT_EQ(apply_ingress_prefix("<html><head><link href=\"/a.css\"></head><script src=\"/b.js\"></script>",
                                 "/api/hassio_ingress/abc"),
            "<html><head><script>window.baseUrl=\"/api/hassio_ingress/abc/\";</script><link "
            "href=\"/api/hassio_ingress/abc/a.css\"></head><script src=\"/api/hassio_ingress/abc/b.js\"></script>");
}

TEST(IngressPrefix, EscapedForAttributeAndScript) {
  const std::string out = apply_ingress_prefix("<head><a href=\"/x\">", "/\"></script><script>alert('1')&");
  EXPECT_EQ(out.find("\"></script><script>"), std::string::npos) << out;
  EXPECT_NE(out.find("href=\"/&quot;&gt;&lt;/script&gt;&lt;script&gt;alert(&#39;1&#39;)&amp;/x\""), std::string::npos)
      << out;
  EXPECT_NE(out.find("window.baseUrl=\"/\\\"\\u003e\\u003c/script\\u003e\\u003cscript\\u003ealert('1')\\u0026/\";"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace vigil
