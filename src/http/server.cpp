#include "http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <strings.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/log.h"
#include "base/strings.h"
#include "http/pipes.h"
#include "http/response_writer.h"
#include "http/tls.h"
#include "http/worker_pool.h"

namespace slimllm::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

namespace {

struct Route {
  std::string method;
  std::regex pattern;
  Handler handler;
  ReaderHandler reader;
};

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void start() = 0;
  // Closes the connection if it is between requests or still reading a head (posted).
  virtual void close_if_idle() = 0;
  // Closes it whatever it is doing (posted).
  virtual void close_now() = 0;
  // Fails its pipes so that a worker blocked on them returns (any thread).
  virtual void abandon() = 0;
};

}  // namespace

struct Server::Impl {
  explicit Impl(Options o) : options(std::move(o)), workers(options.max_workers) {}

  Options options;
  std::vector<Route> routes;
  std::set<std::string> inline_paths;
  std::function<bool(const Request&, Response&)> pre_routing;
  std::function<void(const Request&, Response&)> error_handler, post_routing;
  std::function<void(const Request&, const Response&)> logger;
  std::unique_ptr<TlsContexts> tls;

  std::atomic<bool> stopping{false}, running{false};
  std::mutex run_mutex;
  bool bound = false;

  std::mutex sessions_mutex;
  std::map<uint64_t, std::weak_ptr<SessionBase>> sessions;
  uint64_t next_session = 0;

  WorkerPool workers;
  // Destroyed first (declared last): pending handlers release their sessions while the rest lives.
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::steady_timer accept_retry{ioc};
  // Keeps run() going while a connection waits for its handler (no I/O pending) until stop().
  asio::executor_work_guard<asio::io_context::executor_type> keep_running{ioc.get_executor()};

  void accept();
  void add_session(uint64_t id, const std::shared_ptr<SessionBase>& session) {
    std::lock_guard lock(sessions_mutex);
    sessions[id] = session;
  }
  void remove_session(uint64_t id) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(id);
  }
  std::vector<std::shared_ptr<SessionBase>> live_sessions() {
    std::vector<std::shared_ptr<SessionBase>> out;
    std::lock_guard lock(sessions_mutex);
    for (auto& [id, weak] : sessions) {
      if (auto s = weak.lock()) out.push_back(std::move(s));
    }
    return out;
  }
  size_t session_count() {
    std::lock_guard lock(sessions_mutex);
    return sessions.size();
  }
  const Route* find_route(Request& req) const {
    const std::string& method = req.method == "HEAD" ? std::string("GET") : req.method;
    for (const Route& r : routes) {
      if (r.method == method && std::regex_match(req.path, req.matches, r.pattern)) return &r;
    }
    req.matches = std::smatch();
    return nullptr;
  }
};

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

std::string json_error(const std::string& message) {
  std::string out = "{\"error\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"}";
}

template <class Stream>
class Session : public SessionBase {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <class... Args>
  Session(Server::Impl& server, uint64_t id, std::shared_ptr<ssl::context> context, Args&&... args)
      : server_(server), id_(id), context_(std::move(context)),
        stream_(std::forward<Args>(args)...) {}
  ~Session() override {
    if (out_) out_->close();
    if (in_) in_->fail_now();
    server_.remove_session(id_);
  }

  void start() override {
    asio::dispatch(stream_.get_executor(), [self = self()] { self->begin(); });
  }
  void close_if_idle() override {
    asio::post(stream_.get_executor(), [self = self()] {
      if (self->state_ == State::kIdle || self->state_ == State::kHead) self->close();
    });
  }
  void close_now() override {
    asio::post(stream_.get_executor(), [self = self()] { self->close(); });
  }
  void abandon() override {
    std::shared_ptr<Outbox> out;
    std::shared_ptr<Inbox> in;
    {
      std::lock_guard lock(pipes_mutex_);
      out = out_;
      in = in_;
    }
    if (out) out->close();
    if (in) in->fail_now();
  }

 private:
  enum class State { kHandshake, kIdle, kHead, kBody, kBusy, kClosed };

  std::shared_ptr<Session> self() {
    return std::static_pointer_cast<Session>(shared_from_this());
  }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const Options& options() const { return server_.options; }

  void begin() {
    if constexpr (kTls) {
      state_ = State::kHandshake;
      lowest().expires_after(milliseconds(options().head_timeout_ms));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = self()](beast::error_code ec) {
                                if (ec) return self->close();
                                self->wait_request();
                              });
    } else {
      wait_request();
    }
  }

  // A new outbox for this request's response, which wakes the I/O thread to flush it.
  void open_outbox() {
    auto out = std::make_shared<Outbox>(options().stream_buffer);
    out->kick = [weak = weak_from_this(), raw = out.get()] {
      if (auto s = weak.lock()) {
        auto session = std::static_pointer_cast<Session>(s);
        asio::post(session->stream_.get_executor(), [session, raw] { session->flush(raw); });
      }
    };
    set_pipes(std::move(out), nullptr);
  }

  void set_pipes(std::shared_ptr<Outbox> out, std::shared_ptr<Inbox> in) {
    std::lock_guard lock(pipes_mutex_);
    out_ = std::move(out);
    in_ = std::move(in);
  }

  void wait_request() {
    state_ = State::kIdle;
    set_pipes(nullptr, nullptr);
    req_.reset();
    res_.reset();
    head_.reset();
    body_.reset();
    upload_.reset();
    if (server_.stopping) return close();
    if (buffer_.size() > 0) return read_head();
    lowest().expires_after(milliseconds(options().idle_timeout_ms));
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = self()](beast::error_code ec, size_t n) {
                              if (ec) return self->close();
                              self->buffer_.commit(n);
                              self->read_head();
                            });
  }

  void read_head() {
    state_ = State::kHead;
    head_.emplace();
    head_->header_limit(static_cast<uint32_t>(options().max_header));
    head_->body_limit(boost::none);
    // From the head's first byte: a client dripping header lines is cut off at the deadline.
    lowest().expires_after(milliseconds(options().head_timeout_ms));
    bhttp::async_read_header(stream_, buffer_, *head_,
                             [self = self()](beast::error_code ec, size_t) { self->on_head(ec); });
  }

  // A request the parser refused (not a connection that ended or timed out): answered 400.
  static bool is_parse_error(const beast::error_code& ec) {
    return ec && ec.category() == beast::error_code(bhttp::error::end_of_stream).category() &&
           ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
  }

  void on_head(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      return refuse(431, str_cat("request header fields too large (limit ",
                                 options().max_header / 1024, " KiB)"));
    }
    if (ec) {
      if (is_parse_error(ec)) return refuse(400, "malformed HTTP request");
      return close();
    }
    lowest().expires_never();
    auto& head = head_->get();
    req_ = std::make_shared<Request>();
    Request& req = *req_;
    req.method = std::string(head.method_string());
    req.target = std::string(head.target());
    const size_t q = req.target.find('?');
    req.path = url_decode(req.target.substr(0, q), false);
    if (q != std::string::npos) req.params = parse_query(req.target.substr(q + 1));
    for (const auto& field : head) {
      req.headers.emplace(std::string(field.name_string()), std::string(field.value()));
    }
    beast::error_code ignored;
    auto remote = lowest().socket().remote_endpoint(ignored);
    auto local = lowest().socket().local_endpoint(ignored);
    req.remote_addr = remote.address().to_string();
    req.remote_port = remote.port();
    req.local_addr = local.address().to_string();
    req.local_port = local.port();
    req.tls = kTls;
    req.start_ns = now_ns();
    if constexpr (!kTls) {
      // Asked from the handler's thread while the I/O thread waits for its answer: a peek at the
      // socket, which sees the client's FIN (0 bytes) or a reset. Bytes waiting (a pipelined
      // request) mean the client is there. Under TLS a closing client's close_notify record sits
      // before its FIN, so a peek cannot tell: left unset (http.h).
      req.client_gone = [weak = weak_from_this()] {
        auto s = weak.lock();
        if (!s) return true;
        auto session = std::static_pointer_cast<Session>(s);
        char byte;
        const ssize_t n = ::recv(session->lowest().socket().native_handle(), &byte, 1,
                                 MSG_PEEK | MSG_DONTWAIT);
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
      };
    }
    res_ = std::make_shared<Response>();
    open_outbox();
    keep_alive_ = head_->keep_alive();
    body_pending_ = !head_->is_done();

    if (server_.pre_routing && server_.pre_routing(req, *res_)) return respond_here();
    route_ = server_.find_route(req);
    if (!route_) {
      res_->status = 404;
      return respond_here();
    }
    const boost::optional<uint64_t> length = head_->content_length();
    if (route_->reader) {
      const uint64_t limit = options().max_upload;
      if (limit > 0 && length && *length > limit) {
        return refuse_too_large(*length, limit, options().max_upload_setting);
      }
      start_upload();
      return dispatch();
    }
    if (length && *length > options().max_body) {
      return refuse_too_large(*length, options().max_body, options().max_body_setting);
    }
    if (!body_pending_) return dispatch();
    continue_then([self = self()] { self->read_body(); });
  }

  // Answers "100 Continue" first when the client waits for it.
  void continue_then(std::function<void()> next) {
    if (::strcasecmp(req_->get_header_value("Expect").c_str(), "100-continue") != 0) return next();
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    lowest().expires_after(milliseconds(options().write_timeout_ms));
    asio::async_write(stream_, asio::buffer(kContinue),
                      [self = self(), next = std::move(next)](beast::error_code ec, size_t) {
                        if (ec) return self->close();
                        next();
                      });
  }

  void read_body() {
    if (!body_) {
      body_.emplace(std::move(*head_));
      body_->body_limit(options().max_body);
    }
    state_ = State::kBody;
    lowest().expires_after(milliseconds(options().body_timeout_ms));
    bhttp::async_read_some(stream_, buffer_, *body_,
                           [self = self()](beast::error_code ec, size_t) {
                             if (ec == bhttp::error::body_limit) {
                               return self->refuse_too_large(0, self->options().max_body,
                                                             self->options().max_body_setting);
                             }
                             if (is_parse_error(ec)) {
                               return self->refuse(400, "malformed HTTP request body");
                             }
                             if (ec) return self->close();
                             if (!self->body_->is_done()) return self->read_body();
                             self->lowest().expires_never();
                             self->req_->body = std::move(self->body_->get().body());
                             self->body_pending_ = false;
                             self->dispatch();
                           });
  }

  void start_upload() {
    auto in = std::make_shared<Inbox>(options().stream_buffer);
    if (!body_pending_) {
      in->eof = true;
      set_pipes(out_, in);
      return;
    }
    in->resume = [weak = weak_from_this(), raw = in.get()] {
      if (auto s = weak.lock()) {
        auto session = std::static_pointer_cast<Session>(s);
        asio::post(session->stream_.get_executor(), [session, raw] { session->read_upload(raw); });
      }
    };
    set_pipes(out_, in);
    upload_.emplace(std::move(*head_));
    if (options().max_upload > 0) {
      upload_->body_limit(options().max_upload);
    } else {
      upload_->body_limit(boost::none);
    }
    upload_buffer_.resize(64 << 10);
    continue_then([self = self(), raw = in.get()] { self->read_upload(raw); });
  }

  void read_upload(Inbox* in) {
    if (in != in_.get() || state_ == State::kClosed) return;
    {
      std::lock_guard lock(in->mutex);
      if (in->failed || in->eof) return;
      in->paused = false;
    }
    auto& body = upload_->get().body();
    body.data = upload_buffer_.data();
    body.size = upload_buffer_.size();
    lowest().expires_after(milliseconds(options().body_timeout_ms));
    bhttp::async_read_some(
        stream_, buffer_, *upload_, [self = self(), in](beast::error_code ec, size_t) {
          if (in != self->in_.get()) return;
          if (ec == bhttp::error::need_buffer) ec = {};
          const size_t got = self->upload_buffer_.size() - self->upload_->get().body().size;
          if (ec) return in->fail_now(ec == bhttp::error::body_limit);
          bool more;
          {
            std::lock_guard lock(in->mutex);
            in->data.append(self->upload_buffer_.data(), got);
            if (self->upload_->is_done()) in->eof = true;
            in->ready.notify_all();
            more = !in->eof;
            if (more && in->data.size() >= in->capacity) {
              in->paused = true;  // the worker resumes reading once it has taken the data
              more = false;
            }
          }
          if (in->eof) self->lowest().expires_never();
          if (more) self->read_upload(in);
        });
  }

  void refuse_too_large(uint64_t length, uint64_t limit, const std::string& setting) {
    std::string what = length > 0 ? str_cat("request body too large: ", length, " bytes")
                                  : std::string("request body too large");
    res_->set_content(json_error(str_cat(what, "; the limit is ", limit, " bytes (", setting,
                                         ")")),
                      "application/json; charset=utf-8");
    res_->status = 413;
    keep_alive_ = false;
    respond_here();
  }

  // An error before a request could be parsed: no hooks, then close.
  void refuse(int status, const std::string& message) {
    state_ = State::kBusy;
    req_ = std::make_shared<Request>();
    res_ = std::make_shared<Response>();
    res_->status = status;
    res_->set_content(json_error(message), "application/json; charset=utf-8");
    open_outbox();
    quiet_ = true;
    std::string text = response_head(*res_, res_->body.size(), false, true) + res_->body;
    out_->push(text.data(), text.size(), false);
    out_->finish(true);
  }

  // Answers on the I/O thread a response that needs no handler (pre-routing, 404, 413).
  void respond_here() {
    state_ = State::kBusy;
    write_response(server_.error_handler, server_.post_routing, *req_, *res_, *out_,
                   !keep_alive_ || body_pending_);
  }

  void dispatch() {
    state_ = State::kBusy;
    const bool on_io_thread = !route_->reader && (req_->method == "GET" || req_->method == "HEAD") &&
                              server_.inline_paths.count(req_->path) > 0;
    // The job holds the session: nothing else does while the handler runs.
    auto job = [self = self(), &server = server_, route = route_, req = req_, res = res_,
                out = out_, in = in_,
                close = !keep_alive_ || body_pending_](bool may_block) {
      try {
        if (route->reader) {
          ContentReader reader = [in](const ContentReceiver& receiver) {
            return read_upload_body(*in, receiver);
          };
          route->reader(*req, *res, reader);
        } else {
          route->handler(*req, *res);
        }
      } catch (const std::exception& e) {
        log_error("request handler failed", {{"path", req->path}, {"error", e.what()}});
        *res = Response();
        res->status = 500;
        res->set_content(json_error("internal error"), "application/json; charset=utf-8");
      }
      bool close_after = close;
      if (in) {
        std::lock_guard lock(in->mutex);
        close_after = close_after || !in->eof;
        if (in->too_large) {
          *res = Response();
          res->status = 413;
          res->set_content(json_error(str_cat("request body too large; the limit is ",
                                              server.options.max_upload, " bytes (",
                                              server.options.max_upload_setting, ")")),
                           "application/json; charset=utf-8");
        }
        in->failed = true;  // reading stops: nobody takes the rest
      }
      if (res->content_provider_ && !may_block) return false;
      write_response(server.error_handler, server.post_routing, *req, *res, *out, close_after);
      return true;
    };
    if (on_io_thread) {
      if (job(false)) return;
    }
    server_.workers.submit([job] { job(true); });
  }

  static bool read_upload_body(Inbox& in, const ContentReceiver& receiver) {
    for (;;) {
      std::string chunk;
      bool eof = false, resume = false;
      {
        std::unique_lock lock(in.mutex);
        in.ready.wait(lock, [&] { return !in.data.empty() || in.eof || in.failed; });
        if (in.data.empty() && in.failed && !in.eof) return false;
        chunk.swap(in.data);
        eof = in.eof;
        resume = in.paused && !in.failed;
        in.paused = false;
      }
      if (resume && in.resume) in.resume();
      if (!chunk.empty() && !receiver(chunk.data(), chunk.size())) {
        std::lock_guard lock(in.mutex);
        in.failed = true;
        return false;
      }
      if (eof) return true;
    }
  }

  void flush(Outbox* out) {
    if (out != out_.get() || state_ == State::kClosed) return;
    std::unique_lock lock(out->mutex);
    if (out->closed) return;
    if (out->pending.empty()) {
      out->writing = false;
      const bool done = out->finished, close_after = out->close_after;
      lock.unlock();
      if (done) response_done(close_after);
      return;
    }
    sending_.clear();
    sending_.swap(out->pending);
    out->space.notify_all();
    lock.unlock();
    lowest().expires_after(milliseconds(options().write_timeout_ms));
    asio::async_write(stream_, asio::buffer(sending_),
                      [self = self(), out](beast::error_code ec, size_t) {
                        if (ec) {
                          out->close();
                          return self->close();
                        }
                        if (self->state_ != State::kBody) self->lowest().expires_never();
                        self->flush(out);
                      });
  }

  void response_done(bool close_after) {
    if (server_.logger && !quiet_) server_.logger(*req_, *res_);
    quiet_ = false;
    if (close_after || server_.stopping || !keep_alive_) return linger_close();
    wait_request();
  }

  // Closes after the response: sends FIN, then reads (and drops) what the client still sends
  // for a moment, so that an unread body does not turn into a reset that loses the answer.
  void linger_close() {
    state_ = State::kClosed;
    set_pipes(nullptr, nullptr);
    beast::error_code ignored;
    if constexpr (kTls) {
      // No close_notify: the client has the whole response by its framing.
    }
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest().expires_after(milliseconds(2000));
    drain_rest(0);
  }
  void drain_rest(size_t total) {
    if (!linger_buffer_) linger_buffer_ = std::make_unique<char[]>(16 << 10);
    lowest().async_read_some(asio::buffer(linger_buffer_.get(), 16 << 10),
                             [self = self(), total](beast::error_code ec, size_t n) {
                               if (ec || total + n > (8u << 20)) {
                                 beast::error_code ignored;
                                 self->lowest().socket().close(ignored);
                                 return;
                               }
                               self->drain_rest(total + n);
                             });
  }

  void close() {
    const bool was_closed = state_ == State::kClosed;
    state_ = State::kClosed;
    abandon();
    if (!was_closed || lowest().socket().is_open()) lowest().close();
  }

  Server::Impl& server_;
  const uint64_t id_;
  std::shared_ptr<ssl::context> context_;  // outlives the stream
  Stream stream_;
  beast::flat_buffer buffer_;
  State state_ = State::kIdle;
  std::optional<bhttp::request_parser<bhttp::empty_body>> head_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> upload_;
  std::vector<char> upload_buffer_;
  std::unique_ptr<char[]> linger_buffer_;
  std::shared_ptr<Request> req_;
  std::shared_ptr<Response> res_;
  std::mutex pipes_mutex_;  // out_/in_ as seen by abandon() from other threads
  std::shared_ptr<Outbox> out_;
  std::shared_ptr<Inbox> in_;
  const Route* route_ = nullptr;
  std::string sending_;
  bool keep_alive_ = true, body_pending_ = false, quiet_ = false;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of file descriptors, most likely: retry shortly rather than spin.
      log_warn("cannot accept a connection", {{"error", ec.message()}});
      accept_retry.expires_after(milliseconds(100));
      accept_retry.async_wait([this](beast::error_code e) {
        if (!e && !stopping) accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    uint64_t id;
    {
      std::lock_guard lock(sessions_mutex);
      id = next_session++;
    }
    std::shared_ptr<SessionBase> session;
    if (tls) {
      std::shared_ptr<ssl::context> context = tls->current();
      session = std::make_shared<Session<TlsStream>>(*this, id, context, std::move(socket),
                                                     *context);
    } else {
      session = std::make_shared<Session<PlainStream>>(*this, id, nullptr, std::move(socket));
    }
    add_session(id, session);
    session->start();
    accept();
  });
}

Server::Server(Options options) : impl_(std::make_shared<Impl>(std::move(options))) {}

Server::~Server() { stop(0); }

void Server::route(const std::string& method, const std::string& pattern, Handler handler) {
  impl_->routes.push_back({method, std::regex(pattern), std::move(handler), nullptr});
}
void Server::route_stream(const std::string& method, const std::string& pattern,
                          ReaderHandler handler) {
  impl_->routes.push_back({method, std::regex(pattern), nullptr, std::move(handler)});
}
void Server::answer_inline(const std::string& path) { impl_->inline_paths.insert(path); }

void Server::set_pre_routing_handler(std::function<bool(const Request&, Response&)> hook) {
  impl_->pre_routing = std::move(hook);
}
void Server::set_error_handler(std::function<void(const Request&, Response&)> hook) {
  impl_->error_handler = std::move(hook);
}
void Server::set_post_routing_handler(std::function<void(const Request&, Response&)> hook) {
  impl_->post_routing = std::move(hook);
}
void Server::set_logger(std::function<void(const Request&, const Response&)> hook) {
  impl_->logger = std::move(hook);
}

int Server::bind(const std::string& host, int port) {
  Impl& s = *impl_;
  std::lock_guard lock(s.run_mutex);
  if (s.bound) return s.acceptor.local_endpoint().port();
  if (!s.options.tls_cert.empty() || !s.options.tls_key.empty()) {
    if (s.options.tls_cert.empty() || s.options.tls_key.empty()) {
      fail("TLS needs both SLIMLLM_TLS_CERT and SLIMLLM_TLS_KEY");
    }
    s.tls = std::make_unique<TlsContexts>(s.options.tls_cert, s.options.tls_key);
  }
  beast::error_code ec;
  tcp::resolver resolver(s.ioc);
  auto results = resolver.resolve(host.empty() ? "0.0.0.0" : host, std::to_string(port),
                                  tcp::resolver::passive, ec);
  if (ec || results.empty()) fail("cannot resolve ", host, ": ", ec.message());
  std::string last_error = "no address";
  for (const auto& entry : results) {
    beast::error_code e;
    s.acceptor.open(entry.endpoint().protocol(), e);
    if (e) {
      last_error = e.message();
      continue;
    }
    s.acceptor.set_option(asio::socket_base::reuse_address(true), e);
    s.acceptor.bind(entry.endpoint(), e);
    if (!e) s.acceptor.listen(asio::socket_base::max_listen_connections, e);
    if (!e) {
      s.bound = true;
      return s.acceptor.local_endpoint().port();
    }
    last_error = e.message();
    beast::error_code ignored;
    s.acceptor.close(ignored);
  }
  fail("cannot listen on ", host, ":", port, ": ", last_error);
}

void Server::listen() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.run_mutex);
    if (s.stopping || !s.bound) return;
    s.running = true;
  }
  asio::post(s.ioc, [&s] { s.accept(); });
  std::vector<std::thread> extra;
  for (size_t i = 1; i < std::max<size_t>(1, s.options.io_threads); ++i) {
    extra.emplace_back([&s] { s.ioc.run(); });
  }
  s.ioc.run();
  for (std::thread& t : extra) t.join();
  s.running = false;
}

void Server::stop(int64_t grace_ms) {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.run_mutex);
    if (s.stopping.exchange(true)) {
      // Already stopping (or stopped): wait for the handlers all the same.
    }
  }
  asio::post(s.ioc, [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    s.accept_retry.cancel();
  });
  for (auto& session : s.live_sessions()) session->close_if_idle();
  auto wait_sessions = [&s](int64_t ms) {
    const auto until = std::chrono::steady_clock::now() + milliseconds(ms);
    while (s.running && s.session_count() > 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(milliseconds(5));
    }
  };
  wait_sessions(grace_ms);
  for (auto& session : s.live_sessions()) session->close_now();
  wait_sessions(1000);
  for (auto& session : s.live_sessions()) session->abandon();
  s.keep_running.reset();
  s.ioc.stop();
  s.workers.stop();
  while (s.running) std::this_thread::sleep_for(milliseconds(1));
}

bool Server::is_running() const { return impl_->running; }

Stats Server::stats() const {
  Stats st;
  st.connections = impl_->session_count();
  st.workers = impl_->workers.threads();
  st.workers_busy = impl_->workers.busy();
  st.queued = impl_->workers.queued();
  return st;
}

}  // namespace slimllm::http
