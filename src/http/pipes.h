// The bounded hand-offs between a connection's I/O thread and the worker running its handler:
// Outbox carries the response (the handler blocks while it is full, and learns when the client
// is gone), Inbox carries a streamed request body (reading pauses while it is full).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

namespace slimllm::http {

struct Outbox {
  explicit Outbox(size_t capacity) : capacity(capacity) {}
  const size_t capacity;
  std::mutex mutex;
  std::condition_variable space;
  std::string pending;    // bytes not yet handed to the socket
  bool writing = false;   // a flush is scheduled or running on the connection
  bool finished = false;  // the response is complete
  bool closed = false;    // the client is gone or the server stopped: writes fail
  bool close_after = false;  // close the connection once the response is written
  // Schedules a flush on the connection (set by the connection).
  std::function<void()> kick;

  // Appends bytes; blocks while `capacity` bytes are waiting (unless `wait` is false). False
  // once closed.
  bool push(const char* data, size_t size, bool wait = true) {
    std::unique_lock lock(mutex);
    if (wait) space.wait(lock, [&] { return closed || pending.size() < capacity; });
    if (closed) return false;
    pending.append(data, size);
    schedule(lock);
    return true;
  }
  void finish(bool close_connection) {
    std::unique_lock lock(mutex);
    finished = true;
    close_after = close_after || close_connection;
    schedule(lock);
  }
  void close() {
    std::lock_guard lock(mutex);
    closed = true;
    space.notify_all();
  }
  bool is_closed() {
    std::lock_guard lock(mutex);
    return closed;
  }

 private:
  void schedule(std::unique_lock<std::mutex>& lock) {
    if (writing || closed) return;
    writing = true;
    auto k = kick;
    lock.unlock();
    if (k) k();
  }
};

struct Inbox {
  explicit Inbox(size_t capacity) : capacity(capacity) {}
  const size_t capacity;
  std::mutex mutex;
  std::condition_variable ready;
  std::string data;
  bool eof = false;     // the body arrived whole
  bool failed = false;  // it never will (client gone, timeout, over the limit)
  bool too_large = false;
  bool paused = false;  // the connection stopped reading until the handler catches up
  std::function<void()> resume;  // set by the connection

  void fail_now(bool over_limit = false) {
    std::lock_guard lock(mutex);
    failed = true;
    too_large = too_large || over_limit;
    ready.notify_all();
  }
};

}  // namespace slimllm::http
