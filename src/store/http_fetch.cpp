#include "store/http_fetch.h"

#include <curl/curl.h>

#include <chrono>
#include <cstring>
#include <mutex>

#include "base/strings.h"

namespace slimllm {
namespace {

constexpr size_t kMaxErrorBody = 4096;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  const HttpFetch* request;
  HttpAnswer* answer;
  CURL* curl;
  bool sink_aborted = false;
  bool stalled = false;
  curl_off_t last_bytes = -1;
  std::chrono::steady_clock::time_point last_change = std::chrono::steady_clock::now();
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300 && t->request->sink) {
    if (!t->request->sink(data, n)) {
      t->sink_aborted = true;
      return 0;  // makes curl fail with CURLE_WRITE_ERROR
    }
    return n;
  }
  std::string& body = t->answer->body;
  bool collect_all = status >= 200 && status < 300;
  if (collect_all || body.size() < kMaxErrorBody) {
    body.append(data, collect_all ? n : std::min(n, kMaxErrorBody - body.size()));
  }
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  // A new status line starts the headers of the next response in a redirect chain.
  if (str_starts_with(line, "HTTP/")) t->answer->headers.clear();
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    t->answer->headers[str_lower(str_trim(line.substr(0, colon)))] =
        std::string(str_trim(line.substr(colon + 1)));
  }
  return n;
}

// Cancellation, and our own stall detection: curl's low-speed limit averages over several
// seconds, so a burst followed by silence would go unnoticed for long; here a transfer is stalled
// when no byte has moved for stall_seconds.
int on_progress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->cancel && t->request->cancel->load()) return 1;
  auto now = std::chrono::steady_clock::now();
  if (dlnow + ulnow != t->last_bytes) {
    t->last_bytes = dlnow + ulnow;
    t->last_change = now;
  } else if (t->request->stall_seconds > 0 &&
             now - t->last_change > std::chrono::seconds(t->request->stall_seconds)) {
    t->stalled = true;
    return 1;
  }
  return 0;
}

struct UploadState {
  const HttpFetch* request;
  size_t offset = 0;
};

size_t on_upload(char* buffer, size_t size, size_t count, void* user) {
  auto* u = static_cast<UploadState*>(user);
  size_t room = size * count;
  if (u->request->upload) return u->request->upload(buffer, room);
  size_t n = std::min(room, u->request->body.size() - u->offset);
  std::memcpy(buffer, u->request->body.data() + u->offset, n);
  u->offset += n;
  return n;
}

}  // namespace

HttpAnswer http_fetch(const HttpFetch& request) {
  global_init();
  HttpAnswer answer;
  CURL* curl = curl_easy_init();
  if (!curl) {
    answer.failure = HttpAnswer::Failure::kTransport;
    answer.error = "cannot initialise libcurl";
    return answer;
  }
  Transfer transfer{&request, &answer, curl};
  UploadState upload{&request};
  curl_slist* headers = nullptr;
  for (const std::string& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  headers = curl_slist_append(headers, "Expect:");

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "slimllm (amd64 linux)");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  // A registry (or a redirect it sends) may only lead to http(s), never file:// or gopher://.
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS,
                   static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(request.connect_timeout_seconds));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  std::string range;
  if (request.range) {
    range = str_cat(request.range->first, "-", request.range->second);
    curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    curl_off_t size =
        static_cast<curl_off_t>(request.upload ? request.upload_size : request.body.size());
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, size);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  char* effective = nullptr;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective) answer.effective_url = effective;
  if (code != CURLE_OK) {
    answer.error = curl_easy_strerror(code);
    if (transfer.stalled || code == CURLE_OPERATION_TIMEDOUT) {
      answer.failure = HttpAnswer::Failure::kStalled;
    } else if (code == CURLE_ABORTED_BY_CALLBACK) {
      answer.failure = HttpAnswer::Failure::kCancelled;
    } else if (transfer.sink_aborted) {
      answer.failure = HttpAnswer::Failure::kAborted;
    } else {
      answer.failure = HttpAnswer::Failure::kTransport;
    }
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return answer;
}

std::string resolve_url(const std::string& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  size_t scheme_end = base.find("://");
  size_t host_end = base.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  std::string origin = host_end == std::string::npos ? base : base.substr(0, host_end);
  if (str_starts_with(location, "/")) return origin + location;
  size_t last = base.rfind('/');
  return (last == std::string::npos || last < scheme_end + 3 ? origin + "/"
                                                             : base.substr(0, last + 1)) +
         location;
}

}  // namespace slimllm
