package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the cold-start request path once at start-up, so the first user's cold start does not pay
 * for loading and first running it (measured: the first cold start after {@code serve} took ~200 ms
 * more than the next ones without it). Through the gateway's own socket, a request for a revision
 * with no instance is held by the activator, released when an instance appears, and proxied over a
 * new upstream connection; then requests in Proxy and in Serve mode. The "instance" is a small HTTP
 * server in this JVM on loopback, the host a random name under {@code .invalid} (a name no client
 * can resolve), and everything is removed again before this returns.
 *
 * <p>The revision is the data plane's own ({@link DataPlane#updateQuietRevision}): no observer,
 * load report or poke ever names it, so the warm-up may run beside everything else, from any
 * thread, once the data plane has started. Its one host is unique, so its route updates never
 * interleave with another caller's updates of the same host.
 */
public final class Warmup {
  private static final byte[] RESPONSE =
      "HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok"
          .getBytes(StandardCharsets.US_ASCII);

  private Warmup() {}

  /**
   * What one warm-up did: the host and revision it used (gone again), requests answered 200, of how
   * many sent, and its time.
   */
  public record Result(String host, NamespacedName revision, int ok, int sent, Duration took) {}

  /**
   * Warms {@code dataPlane}'s request path: {@code cycles} times a request held at zero and
   * released by an instance, then {@code requests} requests in each mode, within {@code budget}
   * (then it stops where it is). Never throws for a failed request: a warm-up that could not run
   * says so in its result.
   */
  public static Result run(DataPlane dataPlane, int cycles, int requests, Duration budget) {
    long t0 = System.nanoTime();
    long deadline = t0 + budget.toNanos();
    String id = UUID.randomUUID().toString().replace("-", "");
    String host = "warmup-" + id + ".coldbrew.invalid";
    NamespacedName rev = new NamespacedName("coldbrew-warmup", "warmup-" + id.substring(0, 12));
    int[] counts = new int[2]; // ok, sent
    try (Upstream upstream = new Upstream()) {
      dataPlane.updateQuietRevision(
          new RevisionConfig(rev, "warmup", "warmup", 0, 10, null, null, false));
      dataPlane.updateRoutes(Map.of(host, List.of(new RoutingTable.Target(rev, 100))), List.of());
      InetSocketAddress gateway = gatewayAddress(dataPlane);
      Instance instance = new Instance("warmup-" + id, "127.0.0.1", upstream.port());
      try (Socket client = connect(gateway, deadline)) {
        for (int i = 0; i < cycles && System.nanoTime() < deadline; i++) {
          dataPlane.updateInstances(rev, List.of()); // at zero: the activator holds the next one
          dataPlane.updateMode(rev, SksMode.PROXY);
          send(client, host);
          counts[1]++;
          while (dataPlane.heldRequests(rev) == 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(50_000); // the activator has not taken it yet
          }
          dataPlane.updateInstances(rev, List.of(instance));
          counts[0] += ok(client, deadline) ? 1 : 0;
        }
        for (SksMode mode : List.of(SksMode.PROXY, SksMode.SERVE)) {
          dataPlane.updateMode(rev, mode);
          for (int i = 0; i < requests && System.nanoTime() < deadline; i++) {
            send(client, host);
            counts[1]++;
            counts[0] += ok(client, deadline) ? 1 : 0;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      DataPlane.log.debug("warm-up stopped: {}", e.toString());
    } finally {
      try { // removing the revision ends its queues and what it still holds
        dataPlane.updateRoutes(Map.of(), List.of(host));
        dataPlane.removeRevision(rev);
      } catch (RuntimeException e) { // the data plane closed meanwhile
        DataPlane.log.debug("warm-up clean-up: {}", e.toString());
      }
    }
    return new Result(host, rev, counts[0], counts[1], Duration.ofNanos(System.nanoTime() - t0));
  }

  private static InetSocketAddress gatewayAddress(DataPlane dataPlane) throws IOException {
    InetAddress a = InetAddress.getByName(dataPlane.bindHost());
    if (a.isAnyLocalAddress()) {
      a = InetAddress.getLoopbackAddress();
    }
    return new InetSocketAddress(a, dataPlane.port());
  }

  private static Socket connect(InetSocketAddress to, long deadline) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(to, millisLeft(deadline));
    return s;
  }

  private static int millisLeft(long deadline) {
    return (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
  }

  private static void send(Socket s, String host) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(
        ("GET / HTTP/1.1\r\nhost: " + host + "\r\nuser-agent: coldbrew-warmup\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Reads one response (head, then content-length bytes); whether it was a 200. */
  private static boolean ok(Socket s, long deadline) throws IOException {
    s.setSoTimeout(millisLeft(deadline));
    String head = readHead(s.getInputStream());
    int length = 0;
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        length = Integer.parseInt(line.substring(colon + 1).trim());
      }
    }
    s.getInputStream().readNBytes(length);
    return head.startsWith("HTTP/1.1 200");
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder(256);
    int c;
    while ((c = in.read()) >= 0) {
      sb.append((char) c);
      int n = sb.length();
      if (n >= 4 && sb.charAt(n - 1) == '\n' && sb.indexOf("\r\n\r\n", n - 4) >= 0) {
        return sb.toString();
      }
      if (n > 16_384) {
        break;
      }
    }
    throw new IOException("no response head");
  }

  /** The warm-up's instance: HTTP/1.1 keep-alive on loopback, 200 "ok" to every request. */
  private static final class Upstream implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor = new Thread(this::accept, "coldbrew-warmup-upstream");

    Upstream() throws IOException {
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      try {
        while (true) {
          Socket s = server.accept();
          open.add(s);
          Thread t = new Thread(() -> serve(s), "coldbrew-warmup-connection");
          t.setDaemon(true);
          t.start();
        }
      } catch (IOException e) {
        // closed
      }
    }

    private void serve(Socket s) {
      try (s) {
        s.setTcpNoDelay(true);
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        while (true) {
          readHead(in); // GET, no body
          out.write(RESPONSE);
          out.flush();
        }
      } catch (IOException e) {
        // the gateway closed it, or we did
      } finally {
        open.remove(s);
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : open) {
        s.close();
      }
    }
  }
}
