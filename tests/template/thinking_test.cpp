// The thinking/content split of a thinking model's output, whole and streamed byte by byte.
#include "template/thinking.h"

#include <gtest/gtest.h>

namespace slimllm {
namespace {

const ThinkingTags kTags{"<think>", "</think>"};

ThinkingParser::Split whole(std::string_view output, bool in_thinking) {
  ThinkingParser p(kTags, in_thinking);
  ThinkingParser::Split a = p.add(output);
  ThinkingParser::Split b = p.finish();
  return {a.thinking + b.thinking, a.content + b.content};
}

ThinkingParser::Split bytewise(std::string_view output, bool in_thinking) {
  ThinkingParser p(kTags, in_thinking);
  ThinkingParser::Split out;
  for (char c : output) {
    ThinkingParser::Split s = p.add(std::string_view(&c, 1));
    out.thinking += s.thinking;
    out.content += s.content;
  }
  ThinkingParser::Split s = p.finish();
  return {out.thinking + s.thinking, out.content + s.content};
}

struct Case {
  const char* output;
  bool in_thinking;
  const char* thinking;
  const char* content;
};

TEST(ThinkingParser, SplitsWholeAndStreamedAlike) {
  const Case cases[] = {
      {"<think>Let me see.</think>The answer is 4.", false, "Let me see.", "The answer is 4."},
      {"\n<think>\nstep 1\nstep 2\n</think>\n\nDone", false, "step 1\nstep 2", "Done"},
      {"Let me see.</think>\n\n4", true, "Let me see.", "4"},
      {"No thinking here.", false, "", "No thinking here."},
      {"  plain < text > with brackets", false, "", "plain < text > with brackets"},
      {"<think>unfinished thought", false, "unfinished thought", ""},
      {"<think></think>Only content", false, "", "Only content"},
      {"<think>a < b but </thin k> is not a tag</think>ok", false,
       "a < b but </thin k> is not a tag", "ok"},
      {"<think>x</think>content with </think> again", false, "x", "content with </think> again"},
      {"", false, "", ""},
  };
  for (const Case& c : cases) {
    ThinkingParser::Split w = whole(c.output, c.in_thinking);
    EXPECT_EQ(w.thinking, c.thinking) << c.output;
    EXPECT_EQ(w.content, c.content) << c.output;
    ThinkingParser::Split b = bytewise(c.output, c.in_thinking);
    EXPECT_EQ(b.thinking, c.thinking) << c.output;
    EXPECT_EQ(b.content, c.content) << c.output;
  }
}

TEST(ThinkingParser, ContentBeforeTheTagStartsTheAnswer) {
  // Text before any opening tag means the model answered without thinking: a later tag is
  // content, as Ollama treats it.
  ThinkingParser::Split w = whole("Sure. <think>not thinking</think>", false);
  EXPECT_EQ(w.thinking, "");
  EXPECT_EQ(w.content, "Sure. <think>not thinking</think>");
}

TEST(ThinkingTagsOf, Templates) {
  EXPECT_FALSE(thinking_tags("{{ .Prompt }}"));
  auto tags = thinking_tags("{{ if .Think }}<think>{{ end }}...</think>");
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->open, "<think>");
  EXPECT_EQ(tags->close, "</think>");
  EXPECT_FALSE(thinking_tags("<think> without a closing tag"));
}

}  // namespace
}  // namespace slimllm
