package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ports a process listens on, read from this machine's /proc for real sockets. */
class ListeningPortsIT {
  @Test
  void findsTheListeningSocketsOfAProcessButNotItsConnections() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux's /proc");
    try (ServerSocket v4 = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        ServerSocket any = new ServerSocket(0);
        Socket client = new Socket("127.0.0.1", v4.getLocalPort());
        Socket accepted = v4.accept()) {
      Set<Integer> ports = ListeningPorts.of(List.of(ProcessHandle.current()));
      assertThat(ports).contains(v4.getLocalPort(), any.getLocalPort());
      // the accepted connection shares the listening port; the client's own port is no listener
      assertThat(accepted.getLocalPort()).isEqualTo(v4.getLocalPort());
      assertThat(ports).doesNotContain(client.getLocalPort());
    }
  }

  @Test
  void anotherProcessOrAGoneOneListensOnNothingOfOurs() {
    ProcessHandle init = ProcessHandle.of(1).orElseThrow();
    // pid 1 is another user's here or has no sockets of ours: nothing, and no exception
    assertThat(ListeningPorts.of(List.of(init))).isNotNull();
    assertThat(ListeningPorts.of(List.of())).isEmpty();
  }

  @Test
  void readsOnlyListenLinesWithAKnownInodeAndSkipsMalformedOnes(@TempDir Path dir)
      throws Exception {
    Path table = dir.resolve("tcp");
    Files.writeString(
        table,
        String.join(
            "\n",
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1",
            "   1: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 222 1",
            "   2: 0100007F:1F92 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 111 1",
            "   3: 0100007F:ZZZZ 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1",
            "   4: garbage",
            ""));
    Set<Integer> ports = new TreeSet<>();
    assertThat(ListeningPorts.listening(table, Set.of("111"), ports)).isTrue();
    assertThat(ports).containsExactly(0x1F90);
    assertThat(ListeningPorts.listening(dir.resolve("missing"), Set.of("111"), ports)).isFalse();
  }
}
