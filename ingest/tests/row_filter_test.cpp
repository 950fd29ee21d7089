#include "ingest/row_filter.h"

#include <gtest/gtest.h>

namespace furl::ingest {
namespace {

Event eventFrom(const char* json) {
  absl::StatusOr<Event> event = parseJsonEvent(json);
  EXPECT_TRUE(event.ok()) << json << ": " << event.status();
  return event.ok() ? *event : Event();
}

bool matches(const char* filterJson, const char* eventJson) {
  absl::StatusOr<RowFilter> filter = RowFilter::parse(filterJson);
  EXPECT_TRUE(filter.ok()) << filterJson << ": " << filter.status();
  return filter.ok() && filter->matches(eventFrom(eventJson));
}

TEST(RowFilterTest, EvaluatesLeafFilters) {
  struct Case {
    const char* filter;
    const char* event;
    bool expected;
  };
  const Case cases[] = {
      {R"({"type":"selector","dimension":"channel","value":"#en"})", R"({"channel":"#en"})", true},
      {R"({"type":"selector","dimension":"channel","value":"#en"})", R"({"channel":"#fr"})", false},
      {R"({"type":"selector","dimension":"added","value":"57"})", R"({"added":57})", true},
      {R"({"type":"selector","dimension":"added","value":57})", R"({"added":57})", true},
      {R"({"type":"selector","dimension":"ratio","value":"2.0"})", R"({"ratio":2.0})", true},
      {R"({"type":"selector","dimension":"isRobot","value":"true"})", R"({"isRobot":true})", true},
      {R"({"type":"selector","dimension":"city","value":null})", R"({"city":null})", true},
      {R"({"type":"selector","dimension":"city","value":null})", R"({})", true},
      {R"({"type":"selector","dimension":"city","value":null})", R"({"city":"Paris"})", false},
      {R"({"type":"selector","dimension":"tags","value":"b"})", R"({"tags":["a","b"]})", true},
      {R"({"type":"in","dimension":"c","values":["x","y"]})", R"({"c":"y"})", true},
      {R"({"type":"in","dimension":"c","values":["x","y"]})", R"({"c":"z"})", false},
      {R"({"type":"in","dimension":"c","values":["x",null]})", R"({})", true},
      {R"({"type":"bound","dimension":"n","lower":"10","upper":"20","ordering":"numeric"})", R"({"n":9})", false},
      {R"({"type":"bound","dimension":"n","lower":"10","upper":"20","ordering":"numeric"})", R"({"n":10})", true},
      {R"({"type":"bound","dimension":"n","lower":"10","lowerStrict":true,"ordering":"numeric"})", R"({"n":10})", false},
      {R"({"type":"bound","dimension":"n","upper":"20","upperStrict":true,"ordering":{"type":"numeric"}})", R"({"n":"19.5"})", true},
      {R"({"type":"bound","dimension":"n","lower":"10","ordering":"numeric"})", R"({"n":"abc"})", false},
      {R"({"type":"bound","dimension":"s","lower":"b","upper":"d"})", R"({"s":"c"})", true},
      {R"({"type":"bound","dimension":"s","lower":"b","upper":"d"})", R"({"s":"10"})", false},
      {R"({"type":"like","dimension":"page","pattern":"Wiki%"})", R"({"page":"Wikipedia"})", true},
      {R"({"type":"like","dimension":"page","pattern":"W_ki%a"})", R"({"page":"Wikipedia"})", true},
      {R"({"type":"like","dimension":"page","pattern":"%pedia"})", R"({"page":"Wikipedia!"})", false},
      {R"({"type":"like","dimension":"page","pattern":"100\\%","escape":"\\"})", R"({"page":"100%"})", true},
      {R"({"type":"like","dimension":"page","pattern":"100\\%","escape":"\\"})", R"({"page":"1000"})", false},
      {R"({"type":"like","dimension":"page","pattern":"_é"})", R"({"page":"ñé"})", true},
      {R"({"type":"regex","dimension":"page","pattern":"^User:"})", R"({"page":"User:Bob"})", true},
      {R"({"type":"regex","dimension":"page","pattern":"talk"})", R"({"page":"User talk:Bob"})", true},
      {R"({"type":"regex","dimension":"page","pattern":"^talk"})", R"({"page":"User talk:Bob"})", false},
      {R"({"type":"equals","column":"n","matchValueType":"LONG","matchValue":5})", R"({"n":5.0})", true},
      {R"({"type":"equals","column":"s","matchValueType":"STRING","matchValue":"a"})", R"({"s":"a"})", true},
      {R"({"type":"null","column":"city"})", R"({"city":"Paris"})", false},
      {R"({"type":"null","column":"city"})", R"({"city":[]})", true},
      {R"({"type":"true"})", R"({})", true},
      {R"({"type":"false"})", R"({})", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(matches(c.filter, c.event), c.expected) << c.filter << " on " << c.event;
  }
}

TEST(RowFilterTest, CombinesWithThreeValuedLogic) {
  const char* notEnglish = R"({"type":"not","field":{"type":"selector","dimension":"channel","value":"#en"}})";
  EXPECT_TRUE(matches(notEnglish, R"({"channel":"#fr"})"));
  EXPECT_FALSE(matches(notEnglish, R"({"channel":"#en"})"));
  EXPECT_FALSE(matches(notEnglish, R"({})")) << "NOT of unknown stays unknown";

  const char* both = R"({"type":"and","fields":[{"type":"selector","dimension":"a","value":"1"},)"
                     R"({"type":"selector","dimension":"b","value":"2"}]})";
  EXPECT_TRUE(matches(both, R"({"a":1,"b":2})"));
  EXPECT_FALSE(matches(both, R"({"a":1,"b":3})"));

  const char* either = R"({"type":"or","fields":[{"type":"selector","dimension":"a","value":"1"},)"
                       R"({"type":"selector","dimension":"b","value":"2"}]})";
  EXPECT_TRUE(matches(either, R"({"a":0,"b":2})"));
  EXPECT_FALSE(matches(either, R"({"a":0,"b":0})"));

  // NOT(a = 1 OR b = 2) with b missing: false OR unknown is unknown.
  std::string notEither = std::string(R"({"type":"not","field":)") + either + "}";
  EXPECT_FALSE(matches(notEither.c_str(), R"({"a":0})"));
  EXPECT_FALSE(matches(notEither.c_str(), R"({"a":1})"));
  EXPECT_TRUE(matches(notEither.c_str(), R"({"a":0,"b":0})"));
}

TEST(RowFilterTest, RejectsInvalidFiltersWithPath) {
  struct Case {
    const char* filter;
    const char* message;
  };
  const Case cases[] = {
      {R"({"type":"sel","dimension":"a"})", "filter.type: unknown filter type 'sel'; expected one of selector"},
      {R"({"dimension":"a"})", "filter.type: missing"},
      {R"({"type":"selector","value":"x"})", "filter.dimension: missing"},
      {R"({"type":"and","fields":[{"type":"true"},{"type":"regex","dimension":"p","pattern":"("}]})",
       "filter.fields[1].pattern: invalid regular expression '('"},
      {R"({"type":"or","fields":[]})", "filter.fields: missing; expected a non-empty array"},
      {R"({"type":"not"})", "filter.field: missing"},
      {R"({"type":"not","field":{"type":"in","dimension":"a"}})", "filter.field.values: missing"},
      {R"({"type":"bound","dimension":"a"})", "filter: a bound filter needs lower, upper or both"},
      {R"({"type":"bound","dimension":"a","lower":"x","ordering":"numeric"})", "filter.lower: 'x' is not a number"},
      {R"({"type":"bound","dimension":"a","lower":"1","ordering":"strlen"})", "filter.ordering: unsupported ordering 'strlen'"},
      {R"({"type":"selector","dimension":"a","value":"x","extractionFn":{"type":"upper"}})",
       "filter.extractionFn: extraction functions are not supported"},
      {R"({"type":"like","dimension":"a","pattern":"x","escape":"ab"})", "filter.escape: expected a single character"},
      {R"({"type":"equals","column":"a","matchValueType":"LONG","matchValue":"x"})", "filter.matchValue: 'x' is not a number"},
      {R"({"type":"in","dimension":"a","values":[{"x":1}]})", "filter.values[0]: expected a string, number or null"},
      {R"("selector")", "filter: expected an object, got a string"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<RowFilter> filter = RowFilter::parse(c.filter);
    ASSERT_FALSE(filter.ok()) << c.filter;
    EXPECT_EQ(filter.status().message().substr(0, std::string_view(c.message).size()), c.message)
        << c.filter << " gave: " << filter.status().message();
  }
}

TEST(RowFilterTest, FilterTextForNumbers) {
  EXPECT_EQ(filterText(Value::int64(-5)), "-5");
  EXPECT_EQ(filterText(Value::float64(2.0)), "2.0");
  EXPECT_EQ(filterText(Value::float64(0.1)), "0.1");
  EXPECT_EQ(filterText(Value::boolean(false)), "false");
}

}  // namespace
}  // namespace furl::ingest
