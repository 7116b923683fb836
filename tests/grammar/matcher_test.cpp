#include "grammar/matcher.h"

#include <gtest/gtest.h>

#include <string>

#include "grammar/grammar.h"
#include "grammar/json_gbnf.h"

namespace slimllm::grammar {
namespace {

Matcher matcher(const char* gbnf) {
  return Matcher(compile_gbnf(gbnf));
}

// Whether the whole text is a sentence of the grammar.
bool matches(const char* gbnf, std::string_view text) {
  Matcher m = matcher(gbnf);
  return m.accept(text) && m.is_complete();
}

// Whether the text is a prefix of some sentence.
bool prefix(const char* gbnf, std::string_view text) {
  return matcher(gbnf).accept(text);
}

TEST(Matcher, Literal) {
  const char* g = R"(root ::= "hello")";
  EXPECT_TRUE(matches(g, "hello"));
  EXPECT_TRUE(prefix(g, "hel"));
  EXPECT_FALSE(matches(g, "hel"));
  EXPECT_FALSE(prefix(g, "help"));
  EXPECT_FALSE(prefix(g, "hello!"));
  Matcher m = matcher(g);
  EXPECT_FALSE(m.is_complete());
  EXPECT_TRUE(m.can_continue());
  EXPECT_TRUE(m.accept("hello"));
  EXPECT_TRUE(m.is_complete());
  EXPECT_FALSE(m.can_continue());
}

TEST(Matcher, Escapes) {
  EXPECT_TRUE(matches(R"(root ::= "a\n\t\r\\\"b")", "a\n\t\r\\\"b"));
  EXPECT_TRUE(matches(R"(root ::= "\x41\u00e9\U0001F600")", "A\xC3\xA9\xF0\x9F\x98\x80"));
  EXPECT_FALSE(matches(R"(root ::= "\x41")", "a"));
}

TEST(Matcher, Classes) {
  const char* g = "root ::= [a-c0-9_]";
  EXPECT_TRUE(matches(g, "a"));
  EXPECT_TRUE(matches(g, "c"));
  EXPECT_TRUE(matches(g, "5"));
  EXPECT_TRUE(matches(g, "_"));
  EXPECT_FALSE(prefix(g, "d"));
  EXPECT_FALSE(prefix(g, "A"));
  EXPECT_TRUE(matches(R"(root ::= [\]\-\\])", "]"));
  EXPECT_TRUE(matches(R"(root ::= [\]\-\\])", "-"));
  EXPECT_TRUE(matches(R"(root ::= [\]\-\\])", "\\"));
  EXPECT_FALSE(prefix(R"(root ::= [\]\-\\])", "a"));
  EXPECT_TRUE(matches("root ::= [a-]", "-"));  // a trailing '-' is literal
}

TEST(Matcher, NegatedClasses) {
  const char* g = R"(root ::= [^"\\]+)";
  EXPECT_TRUE(matches(g, "abc"));
  EXPECT_TRUE(matches(g, "\xE4\xBD\xA0\xE5\xA5\xBD"));  // 你好
  EXPECT_TRUE(matches(g, "\xF0\x9F\x98\x80"));          // 😀
  EXPECT_FALSE(prefix(g, "a\""));
  EXPECT_FALSE(prefix(g, "\\"));
  // Not UTF-8: a lone continuation byte, an overlong encoding, a surrogate, beyond U+10FFFF.
  EXPECT_FALSE(prefix(g, "\x80"));
  EXPECT_FALSE(prefix(g, "\xC0\x80"));
  EXPECT_FALSE(prefix(g, "\xED\xA0\x80"));
  EXPECT_FALSE(prefix(g, "\xF4\x90\x80\x80"));
  EXPECT_TRUE(matches(g, "\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(matches(g, "\xED\x9F\xBF"));      // U+D7FF
  EXPECT_TRUE(matches(g, "\xEE\x80\x80"));      // U+E000
}

TEST(Matcher, AnyCharacter) {
  const char* g = "root ::= . .";
  EXPECT_TRUE(matches(g, "a\n"));
  EXPECT_TRUE(matches(g, "\xC3\xA9\xE4\xBD\xA0"));
  EXPECT_FALSE(matches(g, "\xC3\xA9"));
  EXPECT_FALSE(prefix(g, "\xFF"));
  EXPECT_FALSE(prefix(g, "\xED\xB0\x80"));
}

TEST(Matcher, MultiByteRanges) {
  const char* g = "root ::= [\u00e0-\u00ff\u4e00-\u9fff]";
  EXPECT_TRUE(matches(g, "\xC3\xA0"));      // à
  EXPECT_TRUE(matches(g, "\xC3\xBF"));      // ÿ
  EXPECT_FALSE(prefix(g, "\xC3\x9F"));      // ß
  EXPECT_TRUE(matches(g, "\xE4\xB8\x80"));  // 一
  EXPECT_TRUE(matches(g, "\xE9\xBF\xBF"));  // U+9FFF
  EXPECT_FALSE(prefix(g, "\xE4\xB7\xBF"));  // U+4DFF
  EXPECT_FALSE(prefix(g, "\xEA\x80\x80"));  // U+A000
  // Escaped code points in a class mean the same.
  EXPECT_TRUE(matches(R"(root ::= [\u4e00-\u9fff])", "\xE4\xB8\x80"));
}

TEST(Matcher, CharacterSplitAcrossAccepts) {
  Matcher m = matcher(R"(root ::= "<" [^>]* ">")");
  ASSERT_TRUE(m.accept("<\xE4"));
  EXPECT_FALSE(m.would_accept(">"));  // the character is not finished
  EXPECT_FALSE(m.would_accept("a"));
  ASSERT_TRUE(m.accept("\xBD"));
  ASSERT_TRUE(m.accept("\xA0"));
  EXPECT_FALSE(m.is_complete());
  ASSERT_TRUE(m.accept(">"));
  EXPECT_TRUE(m.is_complete());
}

TEST(Matcher, RepetitionBounds) {
  const char* g = R"(root ::= "a"{2,4} "b"{3} "c"{1,} "d"{,2})";
  EXPECT_TRUE(matches(g, "aabbbc"));
  EXPECT_TRUE(matches(g, "aaaabbbcccdd"));
  EXPECT_FALSE(prefix(g, "ab"));
  EXPECT_FALSE(prefix(g, "aaaaa"));
  EXPECT_FALSE(matches(g, "aabbb"));
  EXPECT_FALSE(prefix(g, "aabbbb"));
  EXPECT_FALSE(prefix(g, "aabbbcddd"));
  EXPECT_TRUE(matches(R"(root ::= "x"*)", ""));
  EXPECT_TRUE(matches(R"(root ::= "x"*)", "xxxxxxxx"));
  EXPECT_FALSE(matches(R"(root ::= "x"+)", ""));
  EXPECT_TRUE(matches(R"(root ::= "x"+)", "xxx"));
  EXPECT_TRUE(matches(R"(root ::= "x"? "y")", "y"));
  EXPECT_TRUE(matches(R"(root ::= "x"? "y")", "xy"));
  EXPECT_FALSE(prefix(R"(root ::= "x"? "y")", "xx"));
  EXPECT_TRUE(matches(R"(root ::= ("ab" | "c"){2})", "abc"));
  EXPECT_FALSE(matches(R"(root ::= ("ab" | "c"){2})", "ab"));
}

TEST(Matcher, LongRepetitionKeepsStackFlat) {
  Matcher m = matcher(R"(root ::= "[" [0-9]* "]")");
  ASSERT_TRUE(m.accept("["));
  for (int i = 0; i < 200000; ++i) ASSERT_TRUE(m.accept("7"));
  EXPECT_TRUE(m.accept("]"));
  EXPECT_TRUE(m.is_complete());
}

TEST(Matcher, Recursion) {
  const char* g = R"G(root ::= p
p ::= "(" p* ")")G";
  EXPECT_TRUE(matches(g, "()"));
  EXPECT_TRUE(matches(g, "(()(()))"));
  EXPECT_FALSE(matches(g, "(()"));
  EXPECT_TRUE(prefix(g, "(()"));
  EXPECT_FALSE(prefix(g, "())"));
  std::string deep = std::string(5000, '(') + std::string(5000, ')');
  EXPECT_TRUE(matches(g, deep));
  EXPECT_FALSE(matches(g, deep + ")"));
}

TEST(Matcher, EmptyAlternatives) {
  const char* g = R"(root ::= "a" ws "b"
ws ::= | " " | "  ")";
  EXPECT_TRUE(matches(g, "ab"));
  EXPECT_TRUE(matches(g, "a b"));
  EXPECT_TRUE(matches(g, "a  b"));
  EXPECT_FALSE(prefix(g, "a   "));
  EXPECT_TRUE(matches(R"(root ::= ( | "x") "y")", "y"));
  EXPECT_TRUE(matches("root ::= ", ""));
  Matcher empty = matcher("root ::= ");
  EXPECT_TRUE(empty.is_complete());
  EXPECT_FALSE(empty.can_continue());
  EXPECT_FALSE(empty.would_accept("a"));
}

TEST(Matcher, CompleteButCanContinue) {
  Matcher m = matcher(R"(root ::= [0-9]+ ("." [0-9]+)?)");
  EXPECT_FALSE(m.is_complete());
  ASSERT_TRUE(m.accept("12"));
  EXPECT_TRUE(m.is_complete());
  EXPECT_TRUE(m.can_continue());
  ASSERT_TRUE(m.accept("."));
  EXPECT_FALSE(m.is_complete());
  ASSERT_TRUE(m.accept("5"));
  EXPECT_TRUE(m.is_complete());
}

TEST(Matcher, AcceptIsAllOrNothing) {
  Matcher m = matcher(R"(root ::= "abc" "def")");
  ASSERT_TRUE(m.accept("ab"));
  EXPECT_FALSE(m.accept("cdx"));  // "cd" would be fine, "x" is not
  EXPECT_TRUE(m.would_accept("c"));
  EXPECT_FALSE(m.would_accept("d"));
  EXPECT_TRUE(m.accept("cdef"));
  EXPECT_TRUE(m.is_complete());
}

TEST(Matcher, WouldAcceptDoesNotChangeState) {
  Matcher m = matcher(R"(root ::= "ab" | "ac")");
  EXPECT_TRUE(m.would_accept("ab"));
  EXPECT_TRUE(m.would_accept("ac"));
  EXPECT_TRUE(m.would_accept(""));
  EXPECT_FALSE(m.would_accept("ad"));
  EXPECT_FALSE(m.is_complete());
  EXPECT_TRUE(m.accept("ac"));
  EXPECT_TRUE(m.is_complete());
}

TEST(Matcher, ResetAndCopy) {
  Matcher m = matcher(R"(root ::= "xy")");
  ASSERT_TRUE(m.accept("x"));
  Matcher copy = m;
  ASSERT_TRUE(copy.accept("y"));
  EXPECT_TRUE(copy.is_complete());
  EXPECT_FALSE(m.is_complete());
  EXPECT_TRUE(m.would_accept("y"));
  m.reset();
  EXPECT_TRUE(m.would_accept("x"));
  EXPECT_FALSE(m.would_accept("y"));
}

TEST(Matcher, AmbiguousGrammarStaysBounded) {
  // Every split of a run of a's is a parse; the stack set must not explode.
  Matcher m = matcher(R"(root ::= ("a" | "aa" | "aaa")* "b")");
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(m.accept("a"));
  EXPECT_TRUE(m.accept("b"));
  EXPECT_TRUE(m.is_complete());
}

TEST(Matcher, Json) {
  const char* g = kJsonGbnf;
  EXPECT_TRUE(matches(g, R"({"a": [1, 2.5, -3e10, true, false, null], "b": {"c": "d\n\u00e9"}})"));
  EXPECT_TRUE(matches(g, "\"\xE4\xBD\xA0\xE5\xA5\xBD\""));
  EXPECT_TRUE(matches(g, "{\n  \"k\": []\n}"));
  EXPECT_TRUE(matches(g, "0"));
  EXPECT_FALSE(prefix(g, "01"));
  EXPECT_FALSE(prefix(g, "{,"));
  EXPECT_FALSE(prefix(g, R"({"a" 1)"));
  EXPECT_FALSE(prefix(g, R"(["\x"])"));
  EXPECT_FALSE(prefix(g, "\"a\nb\""));  // raw control characters are not JSON
  EXPECT_FALSE(matches(g, R"({"a": )"));
  EXPECT_FALSE(prefix(g, std::string("{") + "\n" + std::string(21, ' ')));
  EXPECT_TRUE(prefix(g, std::string("{") + "\n" + std::string(20, ' ')));
  Matcher m = matcher(g);
  ASSERT_TRUE(m.accept(R"({"a": 1})"));
  EXPECT_TRUE(m.is_complete());
  EXPECT_TRUE(m.can_continue());  // trailing whitespace
  ASSERT_TRUE(m.accept(" "));
  EXPECT_TRUE(m.is_complete());
  EXPECT_FALSE(m.can_continue());
}

TEST(Matcher, JsonNestsDeeply) {
  Matcher m(compile_gbnf(kJsonGbnf));
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(m.accept("[{\"k\":"));
  ASSERT_TRUE(m.accept("1"));
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(m.accept("}]"));
  EXPECT_TRUE(m.is_complete());
}

}  // namespace
}  // namespace slimllm::grammar
