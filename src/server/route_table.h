// Registers handlers by path and method, and answers the other methods on a known path with gin's
// "405 method not allowed" (cpp-httplib would say 404).
#pragma once

#include <httplib.h>

#include <map>
#include <string>

namespace slimllm {

class RouteTable {
 public:
  using Handler = httplib::Server::Handler;
  using ReaderHandler = httplib::Server::HandlerWithContentReader;

  explicit RouteTable(httplib::Server& http) : http_(http) {}
  // GET, and HEAD with the same handler (the body is not sent).
  void get(const std::string& pattern, Handler handler);
  void head(const std::string& pattern, Handler handler);
  void post(const std::string& pattern, Handler handler);
  // POST whose body is read incrementally (uploads).
  void post_stream(const std::string& pattern, ReaderHandler handler);
  void del(const std::string& pattern, Handler handler);
  // PUT and PATCH whose bodies are read incrementally (registry uploads).
  void put(const std::string& pattern, ReaderHandler handler);
  void patch(const std::string& pattern, ReaderHandler handler);
  // Registers everything; call once after the last route.
  void finish();

 private:
  struct Methods {
    Handler get, head, post, del;
    ReaderHandler post_stream, put, patch;
  };
  httplib::Server& http_;
  std::map<std::string, Methods> routes_;
};

}  // namespace slimllm
