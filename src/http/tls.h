// The server's TLS certificate and key (PEM files), reloaded when they change: each new
// connection checks the files' identity (inode, size, mtime) and, when they changed, loads them
// into a new context that later connections use. A file that does not load (half written, a key
// that does not match) is logged and the previous context kept; cert-manager's renewals need no
// restart.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

namespace slimllm::http {

class TlsContexts {
 public:
  // Loads the files; throws slimllm::Error naming the file when they cannot be used.
  TlsContexts(std::string cert_file, std::string key_file);
  // The context for a new connection (reloaded first if the files changed).
  std::shared_ptr<boost::asio::ssl::context> current();
  // How many times the files were loaded (1 after start-up).
  int loads() const;

 private:
  std::string identity() const;
  std::shared_ptr<boost::asio::ssl::context> load() const;

  const std::string cert_file_, key_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::string identity_;  // of the files last tried
  int loads_ = 0;
};

}  // namespace slimllm::http
