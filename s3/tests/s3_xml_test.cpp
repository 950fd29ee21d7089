#include "s3/s3_xml.h"

#include <gtest/gtest.h>

namespace furl::s3 {
namespace {

TEST(S3XmlTest, ListResultContents) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>b</Name><KeyCount>2</KeyCount>"
      "<Contents><Key>a &amp; b</Key><Size>3</Size><ETag>&quot;e1&quot;</ETag></Contents>"
      "<Contents><Key>&#233;t&#xE9;</Key><Size>4</Size></Contents>"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>t+/=</NextContinuationToken></ListBucketResult>";
  auto contents = xmlElements(xml, "Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(xmlText(contents[0], "Key"), "a & b");
  EXPECT_EQ(xmlText(contents[0], "ETag"), "\"e1\"");
  EXPECT_EQ(xmlText(contents[1], "Key"), "été");
  EXPECT_EQ(xmlText(contents[1], "ETag"), std::nullopt);
  EXPECT_EQ(xmlText(xml, "NextContinuationToken"), "t+/=");
  EXPECT_EQ(xmlText(xml, "KeyCount"), "2");
}

TEST(S3XmlTest, DoesNotMatchLongerTagNames) {
  std::string xml = "<KeyMarker>m</KeyMarker><Key>k</Key>";
  EXPECT_EQ(xmlText(xml, "Key"), "k");
}

TEST(S3XmlTest, EmptyElement) {
  EXPECT_EQ(xmlText("<Prefix/><Key>k</Key>", "Prefix"), "");
  EXPECT_EQ(xmlText("<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>", "Code"), "SlowDown");
}

TEST(S3XmlTest, UnknownEntityKeptAsText) { EXPECT_EQ(xmlUnescape("a &bogus; b &#xZZ;"), "a &bogus; b &#xZZ;"); }

TEST(S3XmlTest, EscapeRoundTrips) {
  std::string text = "<\"a\" & 'b'>";
  EXPECT_EQ(xmlUnescape(xmlEscape(text)), text);
}

}  // namespace
}  // namespace furl::s3
