#include "server/http_util.h"

#include "api/api_error.h"
#include "base/error.h"
#include "base/log.h"
#include "engine/scheduler.h"
#include "store/store_error.h"

namespace slimllm {

void send_json(httplib::Response& res, const OrderedJson& body, int status) {
  res.status = status;
  res.set_content(go_json(body), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  OrderedJson body;
  body["error"] = message;
  send_json(res, body, status);
}

int current_exception_status(std::string& message) {
  try {
    throw;
  } catch (const ApiError& e) {
    message = e.what();
    return e.status();
  } catch (const StoreError& e) {
    message = e.what();
    return e.kind() == StoreError::Kind::kNotFound ? 404 : 400;
  } catch (const SchedulerError& e) {
    message = e.what();
    return e.status();
  } catch (const std::exception& e) {
    message = e.what();
    return 500;
  } catch (...) {
    message = "internal error";
    return 500;
  }
}

void send_current_exception(httplib::Response& res) {
  std::string message;
  int status = current_exception_status(message);
  if (status == 500) log_error("request failed", {{"status", status}, {"error", message}});
  send_error(res, status, message);
}

void guarded(httplib::Response& res, const std::function<void()>& handler) {
  try {
    handler();
  } catch (...) {
    send_current_exception(res);
  }
}

bool write_line(httplib::DataSink& sink, const OrderedJson& chunk) {
  std::string line = go_json(chunk) + "\n";
  if (sink.is_writable && !sink.is_writable()) return false;
  return sink.write(line.data(), line.size());
}

}  // namespace slimllm
