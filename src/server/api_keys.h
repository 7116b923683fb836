// Optional API keys. With SLIMLLM_API_KEYS_FILE (one key a line: `<key> <scope>[,<scope>...]
// [<key id>]`, '#' starting a comment) or SLIMLLM_API_KEY (one key with every scope), every route
// but the open ones wants `Authorization: Bearer <key>` whose key holds the route's scope: 401
// without a valid key, 403 when it lacks the scope. Keys are compared by their SHA-256 digests in
// constant time over all keys, never logged, and the file is read again when its modification
// time or size changes (a bad new version keeps the previous keys and logs why).
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slimllm {

// What a route needs. kOpen: no key at all (/health, /ready, "/").
enum class Scope : uint8_t { kOpen = 0, kRead = 1, kGenerate = 2, kAdmin = 4 };

inline constexpr uint8_t kAllScopes = 1 | 2 | 4;

// "read", "generate", "admin", "open".
std::string_view scope_name(Scope scope);

struct ApiKey {
  std::string digest;  // SHA-256 of the key, hex
  uint8_t scopes = 0;  // Scope bits
  std::string id;      // for logs: the third column, or "line N"
};

// Keys shorter than this are refused: they can be guessed.
inline constexpr size_t kMinKeyLength = 16;

// Parses a keys file's text; throws Error naming `source` and the line of the first bad one.
std::vector<ApiKey> parse_api_keys(std::string_view text, std::string_view source);

class ApiKeys {
 public:
  // No keys: every route is open.
  ApiKeys() = default;
  // From SLIMLLM_API_KEYS_FILE and SLIMLLM_API_KEY; throws Error when the file cannot be read
  // or parsed at start-up (a server meant to be locked must not start open).
  static std::shared_ptr<ApiKeys> from_env();
  // For tests: a file, an env-style single key, or both.
  ApiKeys(std::string file, std::string single_key);

  bool enabled() const { return !file_.empty() || single_.has_value(); }

  // The key `presented` matches, or nullopt. Re-reads the file first when it changed.
  std::optional<ApiKey> find(std::string_view presented);

 private:
  void reload_if_changed();

  std::string file_;
  std::optional<ApiKey> single_;
  std::mutex mutex_;
  std::vector<ApiKey> keys_;
  struct timespec mtime_ {};
  int64_t size_ = -1;
};

}  // namespace slimllm
