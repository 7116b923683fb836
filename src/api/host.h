// OLLAMA_HOST as Ollama reads it, for both `serve` (where to listen) and the CLI (where the
// server is): "host", ":port", "host:port", "scheme://host:port/path"; default 127.0.0.1:11434.
#pragma once

#include <string>
#include <string_view>

namespace slimllm {

struct HostAddress {
  std::string scheme = "http";
  std::string host = "127.0.0.1";  // "" or "0.0.0.0": every interface
  int port = 11434;
  std::string path;

  // "http://127.0.0.1:11434" (IPv6 hosts bracketed).
  std::string url() const;
  // "127.0.0.1:11434" as the server logs it ("[::]:11434" for every interface).
  std::string listen_display() const;
  // The host a client connects to ("127.0.0.1" for an unspecified address).
  std::string connect_host() const;
  // The host a server binds ("0.0.0.0" for an unspecified address).
  std::string bind_host() const;
  bool is_loopback() const;
};

HostAddress parse_ollama_host(std::string_view value);
HostAddress host_from_env();

}  // namespace slimllm
