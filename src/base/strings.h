// Small string helpers: concatenation, printf-style formatting, human-readable sizes.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace slimllm {

template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

// printf into a std::string.
std::string str_printf(const char* format, ...) __attribute__((format(printf, 1, 2)));

std::vector<std::string> str_split(std::string_view text, char separator);
std::string_view str_trim(std::string_view text);
bool str_starts_with(std::string_view text, std::string_view prefix);
bool str_ends_with(std::string_view text, std::string_view suffix);
std::string str_lower(std::string_view text);

// Decimal units as Ollama prints them: "1.2 GB", "512 MB", "12 B".
std::string human_bytes(uint64_t bytes);
// Binary units with one decimal, as Ollama's logs print memory: "3.8 GiB".
std::string human_bytes_binary(uint64_t bytes);

// Quotes a string for a log or error line when it holds spaces, quotes or control characters.
std::string quote_if_needed(std::string_view text);

}  // namespace slimllm
