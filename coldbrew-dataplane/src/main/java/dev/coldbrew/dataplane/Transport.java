package dev.coldbrew.dataplane;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty transport the data plane runs on: io_uring or epoll on Linux, NIO elsewhere (and when
 * the preferred one cannot load). It makes the event-loop group, names the channel classes, and
 * knows the two socket options the gateway relies on: {@code SO_REUSEPORT}, so every event loop has
 * its own listening socket and accepts on its own, and {@code TCP_QUICKACK}, which the gateway
 * re-arms after a read that left a message incomplete (Linux drops out of quick-ACK mode by itself,
 * and a delayed ACK then holds the peer's next segment for up to 40 ms when the peer writes with
 * Nagle's algorithm on). Immutable; thread-safe.
 */
final class Transport {
  private static final Logger log = LoggerFactory.getLogger(Transport.class);

  /** The transports, by preference. */
  enum Kind {
    IO_URING("io_uring"),
    EPOLL("epoll"),
    NIO("nio");

    final String configName;

    Kind(String configName) {
      this.configName = configName;
    }

    /**
     * The kind named {@code name} in configuration ({@code io_uring}, {@code epoll}, {@code nio}).
     */
    static Kind parse(String name) {
      for (Kind k : values()) {
        if (k.configName.equals(name)) {
          return k;
        }
      }
      throw new IllegalArgumentException(
          "transport: \"" + name + "\" (expected: io_uring, epoll or nio)");
    }
  }

  final Kind kind;
  final Class<? extends ServerSocketChannel> serverChannel;
  final Class<? extends SocketChannel> socketChannel;
  private final IoHandlerFactory ioHandler;
  private final ChannelOption<Boolean> quickAck;

  private Transport(
      Kind kind,
      IoHandlerFactory ioHandler,
      Class<? extends ServerSocketChannel> serverChannel,
      Class<? extends SocketChannel> socketChannel,
      ChannelOption<Boolean> quickAck) {
    this.kind = kind;
    this.ioHandler = ioHandler;
    this.serverChannel = serverChannel;
    this.socketChannel = socketChannel;
    this.quickAck = quickAck;
  }

  /** The preferred transport if it loads here, else the next one that does (NIO always does). */
  static Transport select(Kind preferred) {
    if (preferred == Kind.IO_URING) {
      if (IoUring.isAvailable()) {
        return new Transport(
            Kind.IO_URING,
            IoUringIoHandler.newFactory(),
            IoUringServerSocketChannel.class,
            IoUringSocketChannel.class,
            IoUringChannelOption.TCP_QUICKACK);
      }
      log.info(
          "io_uring is not available ({}); trying epoll", cause(IoUring.unavailabilityCause()));
    }
    if (preferred != Kind.NIO) {
      if (Epoll.isAvailable()) {
        return new Transport(
            Kind.EPOLL,
            EpollIoHandler.newFactory(),
            EpollServerSocketChannel.class,
            EpollSocketChannel.class,
            EpollChannelOption.TCP_QUICKACK);
      }
      log.info("epoll is not available ({}); using NIO", cause(Epoll.unavailabilityCause()));
    }
    return new Transport(
        Kind.NIO,
        NioIoHandler.newFactory(),
        NioServerSocketChannel.class,
        NioSocketChannel.class,
        quickAckOnNio());
  }

  private static ChannelOption<Boolean> quickAckOnNio() {
    try {
      return NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_QUICKACK);
    } catch (LinkageError | RuntimeException unsupported) {
      return null;
    }
  }

  private static String cause(Throwable t) {
    return t == null ? "unknown" : t.getMessage();
  }

  /** Event loops named {@code <prefix>-1..n}, on Netty's fast thread-local threads. */
  MultiThreadIoEventLoopGroup group(int threads, String prefix) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> new FastThreadLocalThread(r, prefix + "-" + n.incrementAndGet()); // non-daemon
    return new MultiThreadIoEventLoopGroup(threads, factory, ioHandler);
  }

  /** Whether each event loop can have its own listening socket on the same port. */
  boolean reusePort() {
    return kind != Kind.NIO;
  }

  /** The option that lets several sockets listen on one port; only when {@link #reusePort}. */
  ChannelOption<Boolean> reusePortOption() {
    return UnixChannelOption.SO_REUSEPORT;
  }

  /**
   * Sends the ACK of what was just read now rather than up to 40 ms later, and stays in quick-ACK
   * mode until the kernel leaves it again. One {@code setsockopt}; call on the channel's loop.
   */
  void quickAck(Channel channel) {
    if (quickAck != null && channel.isActive()) {
      channel.config().setOption(quickAck, Boolean.TRUE);
    }
  }

  String name() {
    return kind.configName;
  }
}
