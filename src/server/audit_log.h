// The audit log: one line per mutating request (pull, push, create, copy, delete, blob uploads,
// registry uploads), saying who (the API key's id, never the key), from where, what (method,
// route, model) and the result (status, and the error of a failed operation, streamed ones
// included). Off by default; SLIMLLM_AUDIT_LOG=1 (or "stderr") writes the lines to the server
// log, a path appends them to that file (opened for each line, so log rotation needs no signal).
// Lines are in the server log's slog shape:
//   time=... level=INFO source=audit_log.cpp:NN msg=audit key_id=ci remote=10.0.0.7
//   method=POST route=/api/pull model=llama3.2:1b status=200
// The route table wraps each admin route that changes something (route_table.cpp); a streamed
// operation's outcome is recorded when its stream ends (progress_stream.cpp).
#pragma once

#include "http/server.h"

#include <memory>
#include <mutex>
#include <string>

#include "server/api_keys.h"

namespace slimllm {

struct AuditEntry {
  std::string key_id;  // the key's id; "-" without keys; "none"/"invalid" when refused
  std::string remote;
  std::string method;
  std::string route;  // the request path
  std::string model;  // the model(s) or blob the request names
  int status = 0;
  std::string error;  // a failed operation's message
};

class AuditLog {
 public:
  // Null when SLIMLLM_AUDIT_LOG is unset, empty, "0" or "false".
  static std::shared_ptr<AuditLog> from_env();
  // `path` empty: the server log.
  explicit AuditLog(std::string path) : path_(std::move(path)) {}

  void write(const AuditEntry& entry);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::mutex mutex_;
};

// One request's entry; its line is written when the last holder lets go, so that a streamed
// operation (whose response has long started) is recorded with its outcome.
class AuditRecord {
 public:
  AuditRecord(std::shared_ptr<AuditLog> log, AuditEntry entry)
      : log_(std::move(log)), entry_(std::move(entry)) {}
  ~AuditRecord();
  void set_status(int status);
  // A streamed operation that failed after its 200 was sent.
  void set_failure(int status, const std::string& error);

 private:
  std::shared_ptr<AuditLog> log_;
  AuditEntry entry_;
  bool failed_ = false;
  std::mutex mutex_;
};

// The record of the request this thread is handling, or null (no audit log, or not a mutating
// route). respond_with_progress keeps it until its stream ends.
std::shared_ptr<AuditRecord> current_audit_record();

// What a request names: "model" (or "name") of a JSON body, "source -> destination" of a copy,
// else the digest or repository in the path.
std::string audit_subject(const http::Request& req);

// Wraps a handler of a mutating route: records who, what and the result.
http::Handler audited(std::shared_ptr<AuditLog> log, std::shared_ptr<ApiKeys> keys,
                                 http::Handler handler);
http::ReaderHandler audited(
    std::shared_ptr<AuditLog> log, std::shared_ptr<ApiKeys> keys,
    http::ReaderHandler handler);

}  // namespace slimllm
