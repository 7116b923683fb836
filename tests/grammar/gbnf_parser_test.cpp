#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "grammar/grammar.h"
#include "grammar/matcher.h"

namespace slimllm::grammar {
namespace {

// The message compile_gbnf throws, or "" when it compiles.
std::string error_of(const std::string& gbnf, std::string_view root = "root") {
  try {
    compile_gbnf(gbnf, root);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool matches(const std::string& gbnf, std::string_view text, std::string_view root = "root") {
  Matcher m(compile_gbnf(gbnf, root));
  return m.accept(text) && m.is_complete();
}

TEST(GbnfParser, RulesSpanLinesAndCommentsAnywhere) {
  const std::string g = R"(# a comment
root ::= greeting   # trailing comment
         " "
         name-2_x
greeting ::= "hi" | # between alternatives
  "hello"
name-2_x ::= [a-z]+ root2 ::= "unused"
)";
  EXPECT_TRUE(matches(g, "hi bob"));
  EXPECT_TRUE(matches(g, "hello al"));
  EXPECT_FALSE(matches(g, "hey al"));
  EXPECT_TRUE(matches(g, "unused", "root2"));
}

TEST(GbnfParser, RulesMayBeUsedBeforeTheyAreDefined) {
  EXPECT_TRUE(matches("root ::= a b\na ::= \"x\"\nb ::= \"y\"", "xy"));
}

TEST(GbnfParser, GroupsAlternationAndPostfixSpacing) {
  EXPECT_TRUE(matches(R"(root ::= ("a" | "b" "c")+ "d")", "abcad"));
  EXPECT_TRUE(matches(R"(root ::= ("a") *)", "aaa"));
  EXPECT_TRUE(matches(R"(root ::= ())", ""));
  EXPECT_TRUE(matches(R"(root ::= "a"{ 2 , 3 })", "aaa"));
  EXPECT_TRUE(matches(R"(root ::= "ab"{2})", "abab"));
  EXPECT_FALSE(matches(R"(root ::= "ab"{2})", "abb"));
}

TEST(GbnfParser, RootCanBeNamed) {
  EXPECT_TRUE(matches("start ::= \"s\"", "s", "start"));
}

TEST(GbnfParser, SyntaxErrorsNameLineAndColumn) {
  EXPECT_EQ(error_of("root ::= \"abc"),
            "GBNF grammar: line 1, column 10: unterminated string literal");
  EXPECT_EQ(error_of("root ::= [abc"),
            "GBNF grammar: line 1, column 10: unterminated character class");
  EXPECT_EQ(error_of("root ::= (\"a\""),
            "GBNF grammar: line 1, column 14: expected ')' before the end of the grammar");
  EXPECT_EQ(error_of("root ::= \"a\"\n  )"), "GBNF grammar: line 2, column 3: unexpected ')'");
  EXPECT_EQ(error_of("root = \"a\""),
            "GBNF grammar: line 1, column 6: expected '::=' after rule name 'root'");
  EXPECT_EQ(error_of("::= \"a\""),
            "GBNF grammar: line 1, column 1: expected a rule name, found ':'");
  EXPECT_EQ(error_of("root ::= \"a\" @"), "GBNF grammar: line 1, column 14: unexpected '@'");
  EXPECT_EQ(error_of("root ::= \"\\q\""), "GBNF grammar: line 1, column 11: unknown escape \\q");
  EXPECT_EQ(error_of("root ::= \"\\x4\""),
            "GBNF grammar: line 1, column 11: \\x needs 2 hexadecimal digits");
  EXPECT_EQ(error_of("root ::= \"\\U00110000\""),
            "GBNF grammar: line 1, column 11: code point 0x110000 is beyond U+10FFFF");
  EXPECT_EQ(error_of("root ::= \"\\uD800\""),
            "GBNF grammar: line 1, column 11: a surrogate (U+D800) has no UTF-8 encoding");
  EXPECT_EQ(error_of("root ::= [z-a]"),
            "GBNF grammar: line 1, column 11: character range is out of order");
  EXPECT_EQ(error_of("root ::= [\xFF]"),
            "GBNF grammar: line 1, column 11: invalid UTF-8 in a character class");
  EXPECT_EQ(error_of("root ::= \"a\"{x}"),
            "GBNF grammar: line 1, column 14: expected a repetition count");
  EXPECT_EQ(error_of("root ::= \"a\"{2"),
            "GBNF grammar: line 1, column 15: expected '}' to close the repetition count");
  EXPECT_EQ(error_of("root ::= \"a\"{3,2}"),
            "GBNF grammar: line 1, column 14: repetition {3,2} has max < min");
  EXPECT_EQ(error_of("root ::= \"a\"\nroot ::= \"b\""),
            "GBNF grammar: line 2, column 1: rule 'root' is defined twice (first at line 1)");
}

TEST(GbnfParser, UndefinedRule) {
  EXPECT_EQ(error_of("root ::= a\n  b\na ::= \"x\""),
            "GBNF grammar: line 2, column 3: undefined rule 'b'");
}

TEST(GbnfParser, MissingRoot) {
  EXPECT_EQ(error_of("a ::= \"x\""), "GBNF grammar: no rule named 'root' to start from");
  EXPECT_EQ(error_of(""), "GBNF grammar: no rule named 'root' to start from");
  EXPECT_EQ(error_of("root ::= \"x\"", "start"),
            "GBNF grammar: no rule named 'start' to start from");
}

TEST(GbnfParser, LeftRecursion) {
  EXPECT_EQ(error_of("root ::= expr\nexpr ::= expr \"+\" \"1\" | \"1\""),
            "GBNF grammar: line 2, column 1: left recursion: rule 'expr' can reach itself "
            "without consuming any input");
  // Through another rule, and behind a rule that can match nothing (the first rule of the cycle
  // met is named).
  EXPECT_EQ(error_of("root ::= a\na ::= b \"x\"\nb ::= ws a | \"y\"\nws ::= \" \"?"),
            "GBNF grammar: line 2, column 1: left recursion: rule 'a' can reach itself "
            "without consuming any input");
  // Repeating something that can be empty loops without input too.
  EXPECT_EQ(error_of("root ::= (\"a\"?)*"),
            "GBNF grammar: line 1, column 1: left recursion: rule 'root' can reach itself "
            "without consuming any input");
  // Right recursion is fine.
  EXPECT_EQ(error_of("root ::= \"1\" | \"1\" \"+\" root"), "");
}

TEST(GbnfParser, SizeLimits) {
  EXPECT_EQ(error_of("root ::= \"a\"{10001}"),
            "GBNF grammar: line 1, column 14: repetition count 10001 exceeds 10000");
  EXPECT_EQ(error_of("root ::= \"a\"{1,99999999999999}"),
            "GBNF grammar: line 1, column 16: repetition count 1099511627776 exceeds 10000");
  EXPECT_EQ(error_of("root ::= \"a\"{10000}"), "");
  // Nested repetitions multiply: 10000 * 10000 * 10000 would not fit in memory.
  std::string big = "root ::= ";
  for (int i = 0; i < 200; ++i) big += "\"abcdefgh\"{10000} ";
  EXPECT_NE(error_of(big).find("the grammar is too large"), std::string::npos) << error_of(big);
  EXPECT_EQ(error_of(std::string(500, '(') + std::string(500, ')')).substr(0, 13), "GBNF grammar:");
  EXPECT_EQ(error_of("root ::= " + std::string(500, '(') + std::string(500, ')')),
            "GBNF grammar: line 1, column 410: parentheses nest more than 400 deep");
}

}  // namespace
}  // namespace slimllm::grammar
