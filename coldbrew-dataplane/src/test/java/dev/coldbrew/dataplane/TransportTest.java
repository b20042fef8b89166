package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TransportTest {
  @Test
  void transportsAreNamedAsInTheConfig() {
    assertThat(Transport.Kind.parse("io_uring")).isEqualTo(Transport.Kind.IO_URING);
    assertThat(Transport.Kind.parse("epoll")).isEqualTo(Transport.Kind.EPOLL);
    assertThat(Transport.Kind.parse("nio")).isEqualTo(Transport.Kind.NIO);
    for (String bad : new String[] {"", "EPOLL", "uring", "kqueue", " epoll"}) {
      assertThatThrownBy(() -> Transport.Kind.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("transport: \"" + bad + "\"")
          .hasMessageContaining("expected: io_uring, epoll or nio");
    }
    assertThatThrownBy(() -> DataPlaneOptions.defaults().withTransport("kqueue"))
        .hasMessageContaining("transport: \"kqueue\"");
  }

  @Test
  void aNativeTransportFallsBackToOneThatLoads() {
    Transport nio = Transport.select(Transport.Kind.NIO);
    assertThat(nio.kind).isEqualTo(Transport.Kind.NIO);
    assertThat(nio.reusePort()).isFalse();
    // whatever this machine offers, asking for io_uring gives a transport that works here
    Transport preferred = Transport.select(Transport.Kind.IO_URING);
    assertThat(preferred.kind)
        .isIn(Transport.Kind.IO_URING, Transport.Kind.EPOLL, Transport.Kind.NIO);
    assertThat(preferred.socketChannel).isNotNull();
  }
}
