// The thinking/content split of a thinking model's output, whole and streamed byte by byte.
#include "template/thinking.h"

#include <gtest/gtest.h>

namespace slimllm {
namespace {

const ThinkingTags kTags{"<think>", "</think>"};

ThinkingParser::Split whole(std::string_view output, bool in_thinking,
                            const ThinkingTags& tags = kTags) {
  ThinkingParser p(tags, in_thinking);
  ThinkingParser::Split a = p.add(output);
  ThinkingParser::Split b = p.finish();
  return {a.thinking + b.thinking, a.content + b.content};
}

ThinkingParser::Split bytewise(std::string_view output, bool in_thinking,
                               const ThinkingTags& tags = kTags) {
  ThinkingParser p(tags, in_thinking);
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

// Granite 3.3 answers "<think>…</think><response>…</response>" (its system prompt asks for it):
// the answer's opening tag is no content. Ollama's closing tag there is "</think><response>",
// so it keeps the final "</response>" in the content, and so does this.
TEST(ThinkingParser, GraniteResponseTag) {
  const ThinkingTags granite{"<think>", "</think>", "<response>"};
  const Case cases[] = {
      {"<think>Rayleigh scattering.</think><response>The sky is blue.</response>", false,
       "Rayleigh scattering.", "The sky is blue.</response>"},
      {"<think>\nstep\n</think>\n<response>\nBlue.</response>", false, "step", "Blue.</response>"},
      {"<think>step</think>Blue, without the tag.", false, "step", "Blue, without the tag."},
      {"<think>step</think><resp", false, "step", "<resp"},
      {"<think>step</think><response>", false, "step", ""},
      {"<think>step</think><response><response>twice", false, "step", "<response>twice"},
      {"No thinking: <response>kept</response>", false, "",
       "No thinking: <response>kept</response>"},
  };
  for (const Case& c : cases) {
    ThinkingParser::Split w = whole(c.output, c.in_thinking, granite);
    EXPECT_EQ(w.thinking, c.thinking) << c.output;
    EXPECT_EQ(w.content, c.content) << c.output;
    ThinkingParser::Split b = bytewise(c.output, c.in_thinking, granite);
    EXPECT_EQ(b.thinking, c.thinking) << c.output;
    EXPECT_EQ(b.content, c.content) << c.output;
  }
  // Without the answer tag in the tags, "<response>" is content.
  EXPECT_EQ(whole("<think>a</think><response>b", false).content, "<response>b");
}

TEST(ThinkingTagsOf, Templates) {
  EXPECT_FALSE(thinking_tags("{{ .Prompt }}"));
  auto tags = thinking_tags("{{ if .Think }}<think>{{ end }}...</think>");
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->open, "<think>");
  EXPECT_EQ(tags->close, "</think>");
  EXPECT_EQ(tags->answer_open, "");
  EXPECT_FALSE(thinking_tags("<think> without a closing tag"));
  // Granite 3.3's library template: the answer tag follows the closing one; the tags named in
  // its system prompt's text ("between <think></think> and ...") are not taken for it.
  tags = thinking_tags(
      "{{ $s := \"Write your thoughts between <think></think> and write your response between "
      "<response></response>.\" }}{{ if .Thinking }}<think>{{ .Thinking }}</think><response>\n"
      "{{- end }}");
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->close, "</think>");
  EXPECT_EQ(tags->answer_open, "<response>");
  EXPECT_EQ(thinking_tags("<think>{{ .Thinking }}</think>\n{{ .Content }}")->answer_open, "");
  EXPECT_EQ(thinking_tags("<think>{{ .Thinking }}</think> <b>{{ .Content }}")->answer_open, "");
}

}  // namespace
}  // namespace slimllm
