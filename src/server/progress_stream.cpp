#include "server/progress_stream.h"

#include "api/api_error.h"
#include "api/types.h"
#include "base/log.h"
#include "server/audit_log.h"
#include "server/http_util.h"
#include "server/model_support.h"

namespace slimllm {
namespace {

api::ProgressResponse to_response(const PullProgress& p) {
  api::ProgressResponse r = api::ProgressResponse::of(p.status);
  r.digest = p.digest;
  r.total = static_cast<int64_t>(p.total);
  r.completed = static_cast<int64_t>(p.completed);
  return r;
}

}  // namespace

void respond_with_progress(http::Response& res, bool stream, const std::string& what,
                           ProgressTask task) {
  if (!stream) {
    task({}, nullptr);
    send_json(res, api::ProgressResponse::of("success").to_json());
    return;
  }
  // The audit line of a stream is written when it ends, with its outcome.
  std::shared_ptr<AuditRecord> audit = current_audit_record();
  res.set_chunked_content_provider(
      "application/x-ndjson", [task, what, audit](size_t, http::DataSink& sink) {
        std::atomic<bool> cancel{false};
        Progress progress = [&](const PullProgress& p) {
          if (!cancel.load() && !write_line(sink, to_response(p).to_json())) {
            log_info("client went away; stopping", {{"what", what}});
            cancel = true;
          }
        };
        try {
          task(progress, &cancel);
        } catch (...) {
          std::string message;
          const int status = current_exception_status(message);
          log_warn("operation failed", {{"what", what}, {"error", message}});
          if (audit) audit->set_failure(status, message);
          if (!cancel.load()) write_line(sink, api::error_json(message));
        }
        sink.done();
        return true;
      });
}

void pull_with_progress(ModelStore& store, Metrics& metrics, const ModelName& name, bool insecure,
                        const Progress& progress, const std::atomic<bool>* cancel) {
  PullOptions options;
  options.registry.insecure = insecure;
  options.progress = progress;
  options.cancel = cancel;
  options.check_model = check_model_supported;
  options.on_bytes = [&metrics, label = name.display()](uint64_t bytes) {
    metrics.add_pull_bytes(label, bytes);
  };
  pull_model(store, name, options);
}

}  // namespace slimllm
