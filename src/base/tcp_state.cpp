#include "base/tcp_state.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

namespace slimllm {
namespace {

using Address = std::array<uint8_t, 16>;  // IPv6, or IPv4-mapped

bool parse_address(const std::string& text, Address& out) {
  out.fill(0);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return true;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return true;
  }
  return false;
}

// "0100007F:1F90" (tcp: one 32-bit word as the kernel holds it) or 32 hex digits (tcp6: four
// such words), then the port in hex.
bool parse_entry(const std::string& text, Address& address, int& port) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return false;
  const std::string hex = text.substr(0, colon);
  if (hex.size() != 8 && hex.size() != 32) return false;
  address.fill(0);
  const size_t words = hex.size() / 8;
  uint8_t* dest = words == 1 ? address.data() + 12 : address.data();
  if (words == 1) address[10] = address[11] = 0xff;
  for (size_t w = 0; w < words; ++w) {
    const uint32_t word = static_cast<uint32_t>(std::stoul(hex.substr(w * 8, 8), nullptr, 16));
    std::memcpy(dest + w * 4, &word, 4);  // the kernel printed the word in host byte order
  }
  port = static_cast<int>(std::stoul(text.substr(colon + 1), nullptr, 16));
  return true;
}

}  // namespace

TcpPeer tcp_peer_state(const std::string& local_addr, int local_port,
                       const std::string& remote_addr, int remote_port) {
  Address local, remote;
  if (!parse_address(local_addr, local) || !parse_address(remote_addr, remote)) {
    return TcpPeer::kUnknown;
  }
  bool readable = false;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    if (!in) continue;
    readable = true;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local_text, remote_text, state;
      if (!(fields >> slot >> local_text >> remote_text >> state)) continue;
      Address l, r;
      int lp = 0, rp = 0;
      try {
        if (!parse_entry(local_text, l, lp) || !parse_entry(remote_text, r, rp)) continue;
      } catch (const std::exception&) {
        continue;
      }
      if (lp != local_port || rp != remote_port || l != local || r != remote) continue;
      // 08 CLOSE_WAIT: the peer sent FIN; 07 CLOSE: reset.
      return state == "08" || state == "07" ? TcpPeer::kGone : TcpPeer::kConnected;
    }
  }
  // Our socket is still open, so a missing entry means the connection was reset and dropped.
  return readable ? TcpPeer::kGone : TcpPeer::kUnknown;
}

}  // namespace slimllm
