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

/** Ports for instances: free, reachable, never handed out twice while reserved; the spare. */
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
  void theSpareIsHeldBoundUntilHandedOutWithoutAnotherCheck() throws IOException {
    java.util.concurrent.atomic.AtomicInteger checks =
        new java.util.concurrent.atomic.AtomicInteger();
    FreePorts ports = new FreePorts("127.0.0.1", (host, port) -> checks.incrementAndGet() > 0);
    ports.findSpare();
    assertThat(checks).hasValue(1);
    int first = ports.reserve(); // the spare: closed and handed out, nothing checked now
    assertThat(checks).hasValue(1);
    try (ServerSocket s = new ServerSocket(first, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      assertThat(s.getLocalPort()).isEqualTo(first);
    }
    int second = ports.reserve(); // no spare yet: found and checked on the spot
    assertThat(checks).hasValue(2);
    assertThat(second).isNotEqualTo(first);

    ports.findSpare();
    ports.findSpare(); // one spare at a time
    assertThat(checks).hasValue(3);
    ports.close();
    assertThat(ports.reserve()).isNotIn(first, second); // closed: found, not the spare
    assertThat(checks).hasValue(4);
  }

  @Test
  void whileTheSpareIsHeldNobodyElseCanBindItsPort() throws IOException {
    List<Integer> checked = new ArrayList<>();
    FreePorts ports = new FreePorts("127.0.0.1", (host, port) -> checked.add(port));
    ports.findSpare();
    int spare = checked.get(0);
    assertThatThrownBy(
            () -> new ServerSocket(spare, 1, java.net.InetAddress.getByName("127.0.0.1")).close())
        .isInstanceOf(java.net.BindException.class);
    ports.close(); // the spare's socket is closed with it
    try (ServerSocket s = new ServerSocket(spare, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      assertThat(s.getLocalPort()).isEqualTo(spare);
    }
  }

  @Test
  void whenNoPortIsReachableTheErrorSaysSo() {
    FreePorts ports = new FreePorts("127.0.0.1", (host, port) -> false);
    assertThatThrownBy(ports::reserve)
        .isInstanceOf(IOException.class)
        .hasMessageMatching("port \\d+ on 127\\.0\\.0\\.1 is not reachable");
  }
}
