package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashSet;
import java.util.Set;
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
 * <p>Thread-safe. The bind runs outside the monitor, which guards only the set of reserved ports.
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

  private final String host;
  private final Reachability reachability;
  private final Set<Integer> reserved = new HashSet<>(); // guarded by this

  FreePorts(String host) {
    this(host, FreePorts::connects);
  }

  FreePorts(String host, Reachability reachability) {
    this.host = host;
    this.reachability = reachability;
  }

  /**
   * A port free on the host now, reachable and not reserved; reserved until {@link #release}.
   * Blocking (a bind, a loopback connect and a close).
   *
   * @throws IOException when the host has no port to offer, or every port offered was reserved or
   *     unreachable
   */
  int reserve() throws IOException {
    InetAddress address = InetAddress.getByName(host);
    IOException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, address)) {
        port = s.getLocalPort();
        if (!reachability.reaches(address, port)) {
          log.warn(
              "port {} on {} is free but a connection to it does not reach it (a firewall"
                  + " redirect left for it, such as a removed container's published port?);"
                  + " skipped",
              port,
              host);
          last = new IOException("port " + port + " on " + host + " is not reachable");
          continue;
        }
      } catch (IOException e) {
        last = e;
        continue;
      }
      synchronized (this) {
        if (reserved.add(port)) {
          return port;
        }
      }
    }
    throw last != null ? last : new IOException("every port offered was taken by an instance");
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
