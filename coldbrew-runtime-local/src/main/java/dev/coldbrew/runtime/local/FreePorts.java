package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free ports on the bind host for instances. A port is found by binding port 0 (the OS picks one
 * nobody listens on) and released at once for the app to bind; it stays reserved until {@link
 * #release} so that two live instances are never handed the same one, even if the first has not
 * bound it yet.
 *
 * <p>Thread-safe. The bind runs outside the monitor, which guards only the set of reserved ports.
 */
final class FreePorts {
  private static final int ATTEMPTS = 50;

  private final String host;
  private final Set<Integer> reserved = new HashSet<>(); // guarded by this

  FreePorts(String host) {
    this.host = host;
  }

  /**
   * A port free on the host now and not reserved; reserved until {@link #release}. Blocking (a bind
   * and a close).
   *
   * @throws IOException when the host has no port to offer, or every port offered was reserved
   */
  int reserve() throws IOException {
    InetAddress address = InetAddress.getByName(host);
    IOException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, address)) {
        port = s.getLocalPort();
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
}
