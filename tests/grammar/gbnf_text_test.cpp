// The GBNF spelling helpers the converters and the forced tool call share.
#include "grammar/gbnf_text.h"

#include <gtest/gtest.h>

#include "grammar/grammar.h"
#include "grammar/matcher.h"

namespace slimllm::grammar {
namespace {

TEST(GbnfLiteral, SpellsAnyTextExactly) {
  for (const std::string text :
       {std::string("<tool_call>\n\"quoted\" \\ tab\t\x01 \xC3\xA9 \xE4\xBD\xA0"), std::string("x"),
        std::string("[TOOL_CALLS]")}) {
    Matcher m(compile_gbnf("root ::= " + gbnf_literal(text)));
    EXPECT_TRUE(m.accept(text)) << text;
    EXPECT_TRUE(m.is_complete());
    EXPECT_FALSE(m.can_continue());
  }
  Matcher m(compile_gbnf("root ::= " + gbnf_literal("ab")));
  EXPECT_FALSE(m.accept("ac"));
}

}  // namespace
}  // namespace slimllm::grammar
