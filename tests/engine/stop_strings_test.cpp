#include "engine/stop_strings.h"

#include <gtest/gtest.h>

namespace slimllm {
namespace {

// Feeds pieces, returns what reached the client and whether it stopped.
std::pair<std::string, bool> feed(std::vector<std::string> stops,
                                  const std::vector<std::string>& pieces) {
  StopStrings s(std::move(stops));
  std::string out;
  for (const std::string& p : pieces) {
    auto r = s.push(p);
    out += r.text;
    if (r.stopped) return {out, true};
  }
  return {out + s.flush(), false};
}

TEST(StopStrings, StopSplitAcrossPiecesNeverLeaks) {
  StopStrings s({"<|end|>"});
  auto a = s.push("Hello <|");
  EXPECT_EQ(a.text, "Hello ");  // "<|" might start the stop string
  EXPECT_FALSE(a.stopped);
  auto b = s.push("en");
  EXPECT_EQ(b.text, "");
  auto c = s.push("d|> more");
  EXPECT_TRUE(c.stopped);
  EXPECT_EQ(c.text, "");
}

TEST(StopStrings, HeldTextIsReleasedOnceItCannotMatch) {
  StopStrings s({"stop"});
  EXPECT_EQ(s.push("a st").text, "a ");
  EXPECT_EQ(s.push("ep").text, "step");
}

TEST(StopStrings, EarliestOfSeveralStopsWins) {
  EXPECT_EQ(feed({"world", "lo"}, {"hel", "lo world"}), std::make_pair(std::string("hel"), true));
}

TEST(StopStrings, WithoutAStopEverythingArrives) {
  EXPECT_EQ(feed({"xyz"}, {"ab", "cx", "y"}), std::make_pair(std::string("abcxy"), false));
  EXPECT_EQ(feed({}, {"ab", "c"}), std::make_pair(std::string("abc"), false));
  EXPECT_EQ(feed({""}, {"ab"}), std::make_pair(std::string("ab"), false));
}

TEST(StopStrings, StopInsideOnePiece) {
  EXPECT_EQ(feed({"\n\n"}, {"line one\n\nline two"}),
            std::make_pair(std::string("line one"), true));
}

}  // namespace
}  // namespace slimllm
