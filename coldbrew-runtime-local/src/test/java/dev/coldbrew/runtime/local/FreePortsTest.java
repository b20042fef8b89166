package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Ports for instances: free, reachable, never handed out twice while reserved. */
class FreePortsTest {
  @Test
  void aPortIsFreeAndReservedUntilReleased() throws IOException {
    FreePorts ports = new FreePorts("127.0.0.1");
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      int p = ports.reserve();
      assertThat(seen.add(p)).as("port %d handed out twice", p).isTrue();
      try (ServerSocket s = new ServerSocket(p, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
        assertThat(s.getLocalPort()).isEqualTo(p);
      }
    }
  }

  @Test
  void aPortAConnectionDoesNotReachIsSkipped() throws IOException {
    List<Integer> refused = new ArrayList<>();
    FreePorts ports =
        new FreePorts(
            "127.0.0.1",
            (host, port) -> {
              if (refused.size() < 3) {
                refused.add(port);
                return false;
              }
              return true;
            });
    int p = ports.reserve();
    assertThat(refused).hasSize(3).doesNotContain(p);
  }

  @Test
  void whenNoPortIsReachableTheErrorSaysSo() {
    FreePorts ports = new FreePorts("127.0.0.1", (host, port) -> false);
    assertThatThrownBy(ports::reserve)
        .isInstanceOf(IOException.class)
        .hasMessageMatching("port \\d+ on 127\\.0\\.0\\.1 is not reachable");
  }
}
