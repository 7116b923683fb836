#include "base/tcp_state.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace slimllm {
namespace {

int port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A loopback connection: the server side is followed in the kernel's table while the client
// side hangs up.
TEST(TcpState, SeesThePeerHangUp) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  addr.sin_port = htons(static_cast<uint16_t>(port_of(listener)));
  int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  int server = accept(listener, nullptr, nullptr);
  ASSERT_GE(server, 0);
  const int server_port = port_of(listener);
  const int client_port = port_of(client);

  EXPECT_EQ(tcp_peer_state("127.0.0.1", server_port, "127.0.0.1", client_port),
            TcpPeer::kConnected);
  EXPECT_EQ(tcp_peer_state("::ffff:127.0.0.1", server_port, "127.0.0.1", client_port),
            TcpPeer::kConnected)
      << "IPv4-mapped addresses name the same connection";
  close(client);
  char byte;
  ASSERT_EQ(recv(server, &byte, 1, 0), 0) << "the FIN has arrived";
  EXPECT_EQ(tcp_peer_state("127.0.0.1", server_port, "127.0.0.1", client_port), TcpPeer::kGone);
  EXPECT_EQ(tcp_peer_state("not an address", 1, "127.0.0.1", 2), TcpPeer::kUnknown);
  close(server);
  close(listener);
}

}  // namespace
}  // namespace slimllm
