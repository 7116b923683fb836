#include "server/api_keys.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/log.h"
#include "base/sha256.h"
#include "base/strings.h"

namespace slimllm {
namespace {

std::optional<Scope> parse_scope(std::string_view name) {
  if (name == "read") return Scope::kRead;
  if (name == "generate") return Scope::kGenerate;
  if (name == "admin") return Scope::kAdmin;
  return std::nullopt;
}

// The line without its comment: '#' at the start or after a blank starts one (a key may hold '#').
std::string_view without_comment(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

std::vector<std::string> fields_of(std::string_view line) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) fields.emplace_back(line.substr(start, i - start));
  }
  return fields;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read the API keys file ", path, " (SLIMLLM_API_KEYS_FILE)");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string_view scope_name(Scope scope) {
  switch (scope) {
    case Scope::kOpen:
      return "open";
    case Scope::kRead:
      return "read";
    case Scope::kGenerate:
      return "generate";
    case Scope::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::vector<ApiKey> parse_api_keys(std::string_view text, std::string_view source) {
  std::vector<ApiKey> keys;
  int number = 0;
  for (const std::string& raw : str_split(text, '\n')) {
    ++number;
    const std::vector<std::string> fields = fields_of(without_comment(raw));
    if (fields.empty()) continue;
    // The key itself never appears in these messages.
    auto bad = [&](const auto&... what) { fail(source, " line ", number, ": ", what...); };
    if (fields.size() < 2) bad("a key needs its scopes: \"<key> read,generate,admin [<key id>]\"");
    if (fields.size() > 3) bad("more than three fields (the key id may not contain blanks)");
    if (fields[0].size() < kMinKeyLength) {
      bad("the key is shorter than ", kMinKeyLength, " characters");
    }
    ApiKey key;
    key.digest = Sha256::hex(fields[0]);
    for (const std::string& name : str_split(fields[1], ',')) {
      std::optional<Scope> scope = parse_scope(str_trim(name));
      if (!scope) bad("unknown scope \"", name, "\" (read, generate or admin)");
      key.scopes |= static_cast<uint8_t>(*scope);
    }
    key.id = fields.size() == 3 ? fields[2] : str_cat("line ", number);
    keys.push_back(std::move(key));
  }
  return keys;
}

ApiKeys::ApiKeys(std::string file, std::string single_key) : file_(std::move(file)) {
  if (!single_key.empty()) {
    if (single_key.size() < kMinKeyLength) {
      fail("SLIMLLM_API_KEY is shorter than ", kMinKeyLength, " characters");
    }
    single_ = ApiKey{Sha256::hex(single_key), kAllScopes, "SLIMLLM_API_KEY"};
  }
  if (!file_.empty()) {
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0) {
      fail("cannot read the API keys file ", file_, " (SLIMLLM_API_KEYS_FILE)");
    }
    keys_ = parse_api_keys(read_text(file_), file_);
    mtime_ = st.st_mtim;
    size_ = st.st_size;
  }
}

std::shared_ptr<ApiKeys> ApiKeys::from_env() {
  const char* file = std::getenv("SLIMLLM_API_KEYS_FILE");
  const char* single = std::getenv("SLIMLLM_API_KEY");
  auto keys = std::make_shared<ApiKeys>(file ? std::string(str_trim(file)) : std::string(),
                                        single ? std::string(str_trim(single)) : std::string());
  if (keys->enabled()) {
    std::lock_guard lock(keys->mutex_);
    log_info("API keys required",
             {{"keys", static_cast<int64_t>(keys->keys_.size() + (keys->single_ ? 1 : 0))},
              {"file", keys->file_}});
  }
  return keys;
}

void ApiKeys::reload_if_changed() {
  if (file_.empty()) return;
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0) {
    if (size_ != -2)
      log_warn("API keys file unreadable; keeping the keys read before", {{"file", file_}});
    size_ = -2;  // warn once, read again when it is back
    return;
  }
  if (st.st_mtim.tv_sec == mtime_.tv_sec && st.st_mtim.tv_nsec == mtime_.tv_nsec &&
      st.st_size == size_) {
    return;
  }
  mtime_ = st.st_mtim;
  size_ = st.st_size;
  try {
    keys_ = parse_api_keys(read_text(file_), file_);
    log_info("API keys file read again",
             {{"file", file_}, {"keys", static_cast<int64_t>(keys_.size())}});
  } catch (const Error& e) {
    log_warn("API keys file not taken; keeping the keys read before", {{"error", e.what()}});
  }
}

std::optional<ApiKey> ApiKeys::find(std::string_view presented) {
  // Digests have one length whatever the key's, and every key is compared: the time taken says
  // nothing about which bytes matched.
  const std::string digest = Sha256::hex(presented);
  std::lock_guard lock(mutex_);
  reload_if_changed();
  std::optional<ApiKey> found;
  auto compare = [&](const ApiKey& key) {
    if (CRYPTO_memcmp(key.digest.data(), digest.data(), digest.size()) == 0 && !found) found = key;
  };
  if (single_) compare(*single_);
  for (const ApiKey& key : keys_) compare(key);
  return found;
}

}  // namespace slimllm
