package dev.coldbrew.cli.it;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;

/**
 * A test app: listens on $PORT (or $LISTEN_PORT) and answers with its environment's Knative
 * variables, the request's headers and, with {@code ?sleep=MS}, after a delay. {@code ?exit} makes
 * it exit. It exits with code 3 at start while the file {@link #crashFile} of its marker exists (a
 * crash loop on demand).
 */
public final class EchoApp {
  private EchoApp() {}

  /** While this file exists, instances with {@code marker} crash at start. */
  static java.nio.file.Path crashFile(String marker) {
    return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), marker + ".crash");
  }

  public static void main(String[] args) throws Exception {
    // The JDK's server writes a response's head and body in two writes; with Nagle's algorithm on,
    // the body waits for the head's ACK. A test that kills the app mid-request (FaultsIT) counts on
    // a response being sent whole or not at all (one already begun cannot be sent again): with
    // TCP_NODELAY the two writes leave microseconds apart instead of up to a delayed ACK apart.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    String marker = System.getProperty("coldbrew.test.marker");
    if (marker != null && java.nio.file.Files.exists(crashFile(marker))) {
      System.err.println("echo app: crashing at start on purpose (" + crashFile(marker) + ")");
      System.exit(3);
    }
    // LISTEN_PORT: the mistake of an app that listens on a port of its own instead of $PORT
    String listen = System.getenv("LISTEN_PORT");
    int port = Integer.parseInt(listen != null ? listen : System.getenv("PORT"));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/",
        ex -> {
          String q = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
          if (q.equals("exit")) {
            Runtime.getRuntime().halt(1);
          }
          if (q.startsWith("sleep=")) {
            long ms = Long.parseLong(q.substring(6));
            if (ms >= 60_000) { // a request a test holds on purpose: it waits for this line
              System.out.println("echo app: holding a request for " + ms + " ms");
              System.out.flush();
            }
            try {
              Thread.sleep(ms);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          StringBuilder sb = new StringBuilder();
          sb.append("revision=").append(System.getenv("K_REVISION")).append('\n');
          Map<String, String> env = new TreeMap<>();
          for (String k :
              new String[] {"PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION", "TARGET"}) {
            env.put(k, String.valueOf(System.getenv(k)));
          }
          env.forEach((k, v) -> sb.append("env ").append(k).append('=').append(v).append('\n'));
          new TreeMap<>(ex.getRequestHeaders())
              .forEach(
                  (k, v) ->
                      sb.append("header ")
                          .append(k.toLowerCase())
                          .append('=')
                          .append(String.join(",", v))
                          .append('\n'));
          byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    System.out.println("echo app listening on " + port);
  }
}
