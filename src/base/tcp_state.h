// Whether the peer of one of this process's TCP connections has gone, read from the kernel's
// connection table (/proc/net/tcp and tcp6). The HTTP library gives a handler no view of its
// socket, and a request waiting in the queue writes nothing, so this is how a queued request
// learns that its client hung up (a proxy's timeout, a closed terminal) and leaves the queue.
#pragma once

#include <string>

namespace slimllm {

enum class TcpPeer {
  kConnected,  // established, or closing from our side
  kGone,       // the peer closed or reset the connection
  kUnknown,    // the table is not readable here (no /proc), or the addresses do not parse
};

// The connection local_addr:local_port ↔ remote_addr:remote_port (numeric IPv4 or IPv6).
TcpPeer tcp_peer_state(const std::string& local_addr, int local_port,
                       const std::string& remote_addr, int remote_port);

}  // namespace slimllm
