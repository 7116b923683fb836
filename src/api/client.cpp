#include "api/client.h"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "api/api_error.h"
#include "base/strings.h"
#include "store/go_json.h"

namespace slimllm::api {
namespace {

constexpr const char* kUserAgent = "ollama/0.13.5 (amd64 linux) slimllm/0.1.0";

[[noreturn]] void connection_error(const HostAddress& address, httplib::Error error) {
  if (error == httplib::Error::Connection) {
    fail("could not connect to ollama server at ", address.url(),
         ", is it running? (run 'slimllm serve' or set OLLAMA_HOST)");
  }
  fail("request to ", address.url(), " failed: ", httplib::to_string(error));
}

// Turns a non-2xx response into ApiError with the server's message.
void check(const httplib::Result& result, const HostAddress& address) {
  if (!result) connection_error(address, result.error());
  int status = result->status;
  if (status >= 200 && status < 300) return;
  std::string message = result->body;
  nlohmann::json j = nlohmann::json::parse(result->body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string())
    message = j["error"].get<std::string>();
  if (message.empty()) message = str_cat("server answered with status ", status);
  fail_status(status, message);
}

}  // namespace

httplib::Headers client_headers(const std::string& user_agent) {
  httplib::Headers headers{{"User-Agent", user_agent}};
  if (std::optional<std::string> key = api_key_from_env()) {
    headers.emplace("Authorization", "Bearer " + *key);
  }
  return headers;
}

std::optional<std::string> api_key_from_env() {
  for (const char* name : {"SLIMLLM_API_KEY", "OLLAMA_API_KEY"}) {
    if (const char* value = std::getenv(name)) {
      std::string key(str_trim(value));
      if (!key.empty()) return key;
    }
  }
  return std::nullopt;
}

// SLIMLLM_CONNECT_TO=HOST: connect to HOST (a name or an address) instead of the URL's host,
// while TLS still checks the certificate against the URL's host — curl's --connect-to. For a
// server whose certificate names its public host (an ingress's) reached by an internal name
// (a Kubernetes Service): `helm test` against a TLS-only pod.
std::string connect_to_address() {
  const char* target = std::getenv("SLIMLLM_CONNECT_TO");
  if (!target || !*target) return "";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(target, nullptr, &hints, &found) != 0 || !found) {
    fail("SLIMLLM_CONNECT_TO: cannot resolve \"", target, "\"");
  }
  char text[NI_MAXHOST] = {};
  const int rc = getnameinfo(found->ai_addr, found->ai_addrlen, text, sizeof text, nullptr, 0,
                             NI_NUMERICHOST);
  freeaddrinfo(found);
  if (rc != 0) fail("SLIMLLM_CONNECT_TO: cannot resolve \"", target, "\"");
  return text;
}

struct Client::Impl {
  explicit Impl(const HostAddress& a) : http(a.url()) {
    if (const std::string address = connect_to_address(); !address.empty()) {
      http.set_hostname_addr_map({{a.connect_host(), address}});
    }
    http.set_connection_timeout(10);
    http.set_read_timeout(60 * 60 * 24);  // generations and creates can take long
    http.set_write_timeout(60 * 60);
    http.set_default_headers(client_headers(kUserAgent));
    // OLLAMA_HOST=https://...: the server's certificate is checked against the system's CAs
    // (or SSL_CERT_FILE), or against SLIMLLM_TLS_CA (a PEM bundle) when set.
    if (const char* ca = std::getenv("SLIMLLM_TLS_CA"); ca && *ca) http.set_ca_cert_path(ca);
  }
  httplib::Client http;
};

Client::Client(HostAddress address)
    : address_(std::move(address)), impl_(std::make_unique<Impl>(address_)) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;

nlohmann::json Client::get(const std::string& path) {
  auto result = impl_->http.Get(path.c_str(), {{"Accept", "application/json"}});
  check(result, address_);
  if (result->body.empty()) return nullptr;
  return nlohmann::json::parse(result->body);
}

nlohmann::json Client::post(const std::string& path, const nlohmann::json& body) {
  auto result = impl_->http.Post(path.c_str(), {{"Accept", "application/json"}}, body.dump(),
                                 "application/json");
  check(result, address_);
  if (result->body.empty()) return nullptr;
  return nlohmann::json::parse(result->body);
}

void Client::del(const std::string& path, const nlohmann::json& body) {
  auto result = impl_->http.Delete(path.c_str(), body.dump(), "application/json");
  check(result, address_);
}

bool Client::post_stream(const std::string& path, const nlohmann::json& body,
                         const std::function<void(const nlohmann::json&)>& on_line,
                         const std::function<bool()>& keep_going) {
  bool stopped = false;
  std::string buffer;
  std::string error_body;
  int status = 0;
  std::string stream_error;
  auto handle_line = [&](const std::string& line) {
    if (str_trim(line).empty()) return;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) return;
    if (j.is_object() && j.contains("error") && j["error"].is_string()) {
      stream_error = j["error"].get<std::string>();
      return;
    }
    on_line(j);
  };
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.headers = {{"Accept", "application/x-ndjson"},
                 {"Content-Type", "application/json"},
                 {"User-Agent", kUserAgent}};
  req.body = body.dump();
  req.response_handler = [&](const httplib::Response& response) {
    status = response.status;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    if (status >= 300) {
      error_body.append(data, size);
      return true;
    }
    buffer.append(data, size);
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      handle_line(buffer.substr(0, newline));
      buffer.erase(0, newline + 1);
      if (!stream_error.empty()) return false;
    }
    if (keep_going && !keep_going()) {
      stopped = true;
      return false;
    }
    return true;
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  bool ok = impl_->http.send(req, response, error);
  if (!stream_error.empty()) fail_status(status ? status : 500, stream_error);
  if (stopped) return false;
  if (!ok && status == 0) connection_error(address_, error);
  if (status >= 300) {
    std::string message = error_body;
    nlohmann::json j = nlohmann::json::parse(error_body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string())
      message = j["error"].get<std::string>();
    fail_status(status, message);
  }
  if (!ok) connection_error(address_, error);
  if (!buffer.empty()) handle_line(buffer);
  if (!stream_error.empty()) fail_status(500, stream_error);
  return true;
}

int Client::head(const std::string& path) {
  auto result = impl_->http.Head(path.c_str());
  if (!result) connection_error(address_, result.error());
  return result->status;
}

int Client::post_file(const std::string& path, const std::string& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) fail("cannot open ", file);
  size_t size = static_cast<size_t>(in.tellg());
  in.seekg(0);
  auto result = impl_->http.Post(
      path.c_str(), size,
      [&](size_t offset, size_t length, httplib::DataSink& sink) {
        std::vector<char> buffer(std::min<size_t>(length, 1 << 20));
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        size_t n = static_cast<size_t>(in.gcount());
        if (n == 0) return false;
        return sink.write(buffer.data(), n);
      },
      "application/octet-stream");
  check(result, address_);
  return result->status;
}

}  // namespace slimllm::api
