#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/log.h"
#include "base/strings.h"

namespace slimllm::http {
namespace ssl = boost::asio::ssl;
namespace {

std::string file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing";
  return str_cat(st.st_dev, ":", st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                 st.st_mtim.tv_nsec);
}

}  // namespace

TlsContexts::TlsContexts(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {
  identity_ = identity();
  context_ = load();
  loads_ = 1;
}

std::string TlsContexts::identity() const {
  return file_identity(cert_file_) + "|" + file_identity(key_file_);
}

std::shared_ptr<ssl::context> TlsContexts::load() const {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  boost::system::error_code ec;
  context->use_certificate_chain_file(cert_file_, ec);
  if (ec) fail("TLS certificate ", cert_file_, " (SLIMLLM_TLS_CERT) cannot be used: ", ec.message());
  context->use_private_key_file(key_file_, ssl::context::pem, ec);
  if (ec) fail("TLS key ", key_file_, " (SLIMLLM_TLS_KEY) cannot be used: ", ec.message());
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    ERR_clear_error();
    fail("TLS key ", key_file_, " does not match the certificate ", cert_file_);
  }
  return context;
}

std::shared_ptr<ssl::context> TlsContexts::current() {
  std::lock_guard lock(mutex_);
  std::string now = identity();
  if (now != identity_) {
    identity_ = now;
    try {
      context_ = load();
      ++loads_;
      log_info("TLS certificate reloaded", {{"cert", cert_file_}, {"key", key_file_}});
    } catch (const std::exception& e) {
      log_warn("TLS files changed but cannot be loaded; keeping the previous certificate",
               {{"error", e.what()}});
    }
  }
  return context_;
}

int TlsContexts::loads() const {
  std::lock_guard lock(mutex_);
  return loads_;
}

}  // namespace slimllm::http
