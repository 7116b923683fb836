#include "server/audit_log.h"

#include "base/log_time.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/json_depth.h"
#include "base/log.h"
#include "base/strings.h"
#include "server/authorize.h"

namespace slimllm {
namespace {

thread_local std::shared_ptr<AuditRecord> t_record;

// Sets the thread's record for the duration of a handler.
class RecordScope {
 public:
  explicit RecordScope(std::shared_ptr<AuditRecord> record) { t_record = std::move(record); }
  ~RecordScope() { t_record.reset(); }
};

std::string who(const std::shared_ptr<ApiKeys>& keys, const http::Request& req) {
  if (!keys || !keys->enabled()) return "-";
  const std::string header = req.get_header_value("Authorization");  // the token views it
  std::optional<std::string_view> token = bearer_token(header);
  if (!token) return "none";
  std::optional<ApiKey> key = keys->find(*token);
  return key ? key->id : "invalid";
}

std::shared_ptr<AuditRecord> begin(const std::shared_ptr<AuditLog>& log,
                                   const std::shared_ptr<ApiKeys>& keys,
                                   const http::Request& req) {
  AuditEntry e;
  e.key_id = who(keys, req);
  e.remote = req.remote_addr;
  e.method = req.method;
  e.route = req.path;
  e.model = audit_subject(req);
  return std::make_shared<AuditRecord>(log, std::move(e));
}

std::string text_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::shared_ptr<AuditLog> AuditLog::from_env() {
  const char* v = std::getenv("SLIMLLM_AUDIT_LOG");
  if (!v) return nullptr;
  std::string s(str_trim(v));
  std::string lower = str_lower(s);
  if (s.empty() || lower == "0" || lower == "false" || lower == "off") return nullptr;
  if (lower == "1" || lower == "true" || lower == "on" || lower == "stderr") {
    return std::make_shared<AuditLog>("");
  }
  return std::make_shared<AuditLog>(s);
}

void AuditLog::write(const AuditEntry& e) {
  std::initializer_list<LogField> fields = {
      {"key_id", e.key_id}, {"remote", e.remote}, {"method", e.method}, {"route", e.route},
      {"model", e.model},   {"status", e.status}, {"error", e.error}};
  if (path_.empty()) {
    log_info("audit", fields);
    return;
  }
  std::string line = str_cat("time=", log_timestamp(), " level=INFO source=audit_log.cpp:", __LINE__,
                             " msg=audit");
  for (const LogField& f : fields) {
    line += str_cat(" ", quote_if_needed(f.key), "=", quote_if_needed(f.value));
  }
  line += "\n";
  std::lock_guard lock(mutex_);
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    log_error("cannot write the audit log (SLIMLLM_AUDIT_LOG); the entry goes to this log",
              {{"path", path_}, {"error", std::strerror(errno)}});
    log_info("audit", fields);
    return;
  }
  ssize_t n = ::write(fd, line.data(), line.size());  // one write: lines do not interleave
  if (n != static_cast<ssize_t>(line.size())) {
    log_error("cannot write the audit log", {{"path", path_}, {"error", std::strerror(errno)}});
  }
  ::close(fd);
}

AuditRecord::~AuditRecord() {
  if (log_) log_->write(entry_);
}

void AuditRecord::set_status(int status) {
  std::lock_guard lock(mutex_);
  if (!failed_) entry_.status = status;
}

void AuditRecord::set_failure(int status, const std::string& error) {
  std::lock_guard lock(mutex_);
  failed_ = true;
  entry_.status = status;
  entry_.error = error;
}

std::shared_ptr<AuditRecord> current_audit_record() {
  return t_record;
}

std::string audit_subject(const http::Request& req) {
  if (!req.body.empty() && req.body.size() <= (1u << 20) &&
      !json_nests_deeper_than(req.body, 64)) {
    nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
    if (j.is_object()) {
      std::string source = text_field(j, "source"), destination = text_field(j, "destination");
      if (!source.empty() || !destination.empty()) return source + " -> " + destination;
      std::string model = text_field(j, "model");
      if (model.empty()) model = text_field(j, "name");
      if (!model.empty()) return model;
    }
  }
  // /api/blobs/<digest>, /v2/<ns>/<model>/...: the path's own names.
  if (str_starts_with(req.path, "/api/blobs/")) return req.path.substr(11);
  if (str_starts_with(req.path, "/v2/")) {
    std::vector<std::string> parts = str_split(req.path.substr(4), '/');
    if (parts.size() >= 2) {
      std::string subject = parts[0] + "/" + parts[1];
      if (parts.size() >= 4 && parts[2] == "manifests") subject += ":" + parts[3];
      return subject;
    }
  }
  return "";
}

http::Handler audited(std::shared_ptr<AuditLog> log, std::shared_ptr<ApiKeys> keys,
                                 http::Handler handler) {
  if (!log) return handler;
  return [log, keys, handler](const http::Request& req, http::Response& res) {
    std::shared_ptr<AuditRecord> record = begin(log, keys, req);
    {
      RecordScope scope(record);
      handler(req, res);
    }
    record->set_status(res.status);
  };
}

http::ReaderHandler audited(
    std::shared_ptr<AuditLog> log, std::shared_ptr<ApiKeys> keys,
    http::ReaderHandler handler) {
  if (!log) return handler;
  return [log, keys, handler](const http::Request& req, http::Response& res,
                              const http::ContentReader& reader) {
    std::shared_ptr<AuditRecord> record = begin(log, keys, req);
    {
      RecordScope scope(record);
      handler(req, res, reader);
    }
    record->set_status(res.status);
  };
}

}  // namespace slimllm
