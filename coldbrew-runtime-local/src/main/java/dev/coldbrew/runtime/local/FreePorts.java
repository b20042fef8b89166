package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Free ports on the bind host for instances. A port is found by binding port 0 (the OS picks one
 * nobody listens on) and released at once for the app to bind; it stays reserved until {@link
 * #release} so that two live instances are never handed the same one, even if the first has not
 * bound it yet.
 *
 * <p>A port is handed out only if a connection to it, while it is bound here, reaches it: a
 * firewall redirect left behind for a port (podman does leave the port-forward rule of a container
 * now and then, e.g. when its client was killed) sends every connection elsewhere, so an instance
 * on that port would never answer. Such a port is logged and skipped.
 *
 * <p>Finding a port (a bind, a loopback connect, a close) takes ~0.3 ms, on a cold start's path
 * before the spawn; so one port is found ahead, a <em>spare</em>: checked, then held bound (so the
 * OS gives it to nobody else) until {@link #reserve} hands it out, closing it for the app to bind.
 * A new spare is found {@link #SPARE_AFTER_MILLIS} after the last one went, off that path.
 *
 * <p>Thread-safe. The bind runs outside the monitor, which guards the set of reserved ports and the
 * spare.
 */
final class FreePorts {
  private static final Logger log = LoggerFactory.getLogger(FreePorts.class);
  private static final int ATTEMPTS = 50;

  /** How long the reachability check waits for a connection to open (loopback: microseconds). */
  private static final int CONNECT_TIMEOUT_MILLIS = 1000;

  /** Whether a connection to a port bound on the host reaches that host's listening socket. */
  interface Reachability {
    boolean reaches(InetAddress host, int port);
  }

  /** How long after the spare was handed out a new one is found (after a cold start's spawn). */
  static final long SPARE_AFTER_MILLIS = 200;

  private final String host;
  private final Reachability reachability;
  private final Set<Integer> reserved = new HashSet<>(); // guarded by this
  private ServerSocket spare; // guarded by this; bound and reachable, its port in reserved
  private boolean closed; // guarded by this
  private final Executor later =
      CompletableFuture.delayedExecutor(SPARE_AFTER_MILLIS, TimeUnit.MILLISECONDS);

  FreePorts(String host) {
    this(host, FreePorts::connects);
  }

  FreePorts(String host, Reachability reachability) {
    this.host = host;
    this.reachability = reachability;
  }

  /**
   * A port free on the host now, reachable and not reserved; reserved until {@link #release}. The
   * spare if there is one (a close); else blocking (a bind, a loopback connect and a close). Either
   * way a new spare is looked for a little later.
   *
   * @throws IOException when the host has no port to offer, or every port offered was reserved or
   *     unreachable
   */
  int reserve() throws IOException {
    ServerSocket s;
    synchronized (this) {
      s = spare;
      spare = null;
    }
    if (s == null) {
      s = bindReachable();
    }
    s.close(); // its port stays reserved
    later.execute(this::findSpare);
    return s.getLocalPort();
  }

  /**
   * A socket bound to a port the OS picked, reachable and not reserved before; its port is reserved
   * now. The caller closes the socket.
   *
   * @throws IOException when the host has no port to offer, or every port offered was reserved or
   *     unreachable
   */
  private ServerSocket bindReachable() throws IOException {
    InetAddress address = InetAddress.getByName(host);
    IOException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      ServerSocket s;
      try {
        s = new ServerSocket(0, 1, address);
      } catch (IOException e) {
        last = e;
        continue;
      }
      int port = s.getLocalPort();
      boolean reaches = reachability.reaches(address, port);
      synchronized (this) {
        if (reaches && reserved.add(port)) {
          return s;
        }
      }
      s.close();
      if (!reaches) {
        log.warn(
            "port {} on {} is free but a connection to it does not reach it (a firewall"
                + " redirect left for it, such as a removed container's published port?);"
                + " skipped",
            port,
            host);
        last = new IOException("port " + port + " on " + host + " is not reachable");
      }
    }
    throw last != null ? last : new IOException("every port offered was taken by an instance");
  }

  /**
   * Finds a spare if there is none (a port found as {@link #reserve} would, then held bound); a
   * failure is left to the next {@link #reserve}, which finds its port itself.
   */
  void findSpare() {
    synchronized (this) {
      if (spare != null || closed) {
        return;
      }
    }
    try {
      ServerSocket s = bindReachable();
      synchronized (this) {
        if (spare == null && !closed) {
          spare = s;
          return;
        }
        reserved.remove(s.getLocalPort());
      }
      s.close();
    } catch (IOException e) {
      log.debug("no spare port found now", e);
    }
  }

  /** Closes the spare; later reservations find their ports themselves. */
  void close() {
    ServerSocket s;
    synchronized (this) {
      closed = true;
      s = spare;
      spare = null;
      if (s != null) {
        reserved.remove(s.getLocalPort());
      }
    }
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        log.debug("closing the spare port", e);
      }
    }
  }

  /** Makes the port available again (its instance's process ended). */
  synchronized void release(int port) {
    reserved.remove(port);
  }

  /** A connection to the port opens (the listening socket there queues it; closing drops it). */
  private static boolean connects(InetAddress host, int port) {
    InetAddress target = host.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : host;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(target, port), CONNECT_TIMEOUT_MILLIS);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
