#include "server/http_util.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "api/api_error.h"
#include "base/error.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/tcp_state.h"
#include "engine/scheduler.h"
#include "store/store_error.h"
#include "template/template.h"

namespace slimllm {

static int exception_status(std::string& message);

void send_json(http::Response& res, const OrderedJson& body, int status) {
  res.status = status;
  res.set_content(go_json(body), "application/json; charset=utf-8");
}

void send_error(http::Response& res, int status, const std::string& message) {
  OrderedJson body;
  body["error"] = message;
  send_json(res, body, status);
}

namespace {

std::mutex g_roots_mutex;
std::vector<std::string> g_roots;

}  // namespace

void register_private_root(const std::string& root) {
  if (root.empty()) return;
  std::lock_guard lock(g_roots_mutex);
  g_roots.push_back(root);
}

void unregister_private_root(const std::string& root) {
  std::lock_guard lock(g_roots_mutex);
  auto it = std::find(g_roots.begin(), g_roots.end(), root);
  if (it != g_roots.end()) g_roots.erase(it);
}

std::string without_private_roots(std::string message) {
  std::lock_guard lock(g_roots_mutex);
  for (const std::string& root : g_roots) {
    for (const std::string& prefix : {root + "/", root}) {
      for (size_t at = message.find(prefix); at != std::string::npos;
           at = message.find(prefix, at)) {
        message.erase(at, prefix.size());
      }
    }
  }
  return message;
}

int current_exception_status(std::string& message) {
  const int status = exception_status(message);
  message = without_private_roots(std::move(message));
  return status;
}

int exception_status(std::string& message) {
  try {
    throw;
  } catch (const ApiError& e) {
    message = e.what();
    return e.status();
  } catch (const StoreError& e) {
    message = e.what();
    return e.status();
  } catch (const GenerateInputError& e) {
    message = e.what();
    return 400;
  } catch (const TemplateError& e) {
    // A template from the request, or the model's own rendered with the request's messages.
    message = e.what();
    return 400;
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

void send_current_exception(http::Response& res) {
  std::string message;
  int status = current_exception_status(message);
  if (status == 500) log_error("request failed", {{"status", status}, {"error", message}});
  send_error(res, status, message);
}

void guarded(http::Response& res, const std::function<void()>& handler) {
  try {
    handler();
  } catch (...) {
    send_current_exception(res);
  }
}

bool write_line(http::DataSink& sink, const OrderedJson& chunk) {
  std::string line = go_json(chunk) + "\n";
  if (sink.is_writable && !sink.is_writable()) return false;
  return sink.write(line.data(), line.size());
}

std::function<bool()> client_gone(const http::Request& req) {
  struct State {
    std::chrono::steady_clock::time_point next;
    bool gone = false;
  };
  auto state = std::make_shared<State>();
  return [state, socket_says = req.client_gone, local = req.local_addr,
          local_port = req.local_port, remote = req.remote_addr, remote_port = req.remote_port] {
    if (state->gone) return true;
    if (socket_says) {
      // The HTTP layer watches the connection itself (a peek, cheap enough for every check).
      state->gone = socket_says();
    } else {
      // TLS: the kernel's TCP table, at most every 250 ms.
      const auto now = std::chrono::steady_clock::now();
      if (now < state->next) return false;
      state->next = now + std::chrono::milliseconds(250);
      state->gone = tcp_peer_state(local, local_port, remote, remote_port) == TcpPeer::kGone;
    }
    if (state->gone) {
      log_info("client disconnected while waiting for the model",
               {{"remote", str_cat(remote, ":", remote_port)}});
    }
    return state->gone;
  };
}

}  // namespace slimllm
