package dev.coldbrew.runtime.local;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The app the integration tests run as instances, configured by environment variables: {@code MODE}
 * http (default), exit (print 12 lines, exit with {@code EXIT_CODE}) or sleep; {@code SPAWN_CHILD}
 * (before anything else, starts a sleeping child JVM and prints {@code child-pid=PID}); in http
 * mode {@code LISTEN_GATE} / {@code READY_GATE} (files that must exist before it listens / before
 * {@code /ready} answers 200), {@code LIVE_FAIL} ({@code /live} answers 500), {@code IGNORE_TERM},
 * {@code SPAWN_CHILD} (starts a sleeping child JVM), {@code SPAM_BYTES} (prints that much first),
 * {@code LISTEN_PORT} (listens there, not on {@code PORT}). {@code GET /env} answers the runtime
 * contract it sees.
 */
public final class TestApp {
  public static void main(String[] args) throws Exception {
    String mode = env("MODE", "http");
    System.out.println("start pid=" + ProcessHandle.current().pid() + " mode=" + mode);
    if (!env("SPAWN_CHILD", "").isEmpty() && !mode.equals("sleep")) {
      ProcessBuilder pb = new ProcessBuilder(javaCommand()).redirectErrorStream(true);
      pb.environment().put("MODE", "sleep");
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      Process child = pb.start();
      System.out.println("child-pid=" + child.pid());
    }
    switch (mode) {
      case "exit" -> {
        for (int i = 1; i <= 12; i++) {
          System.out.println("line " + i);
        }
        System.out.flush();
        System.exit(Integer.parseInt(env("EXIT_CODE", "3")));
      }
      case "sleep" -> Thread.sleep(Long.MAX_VALUE);
      default -> http(args);
    }
  }

  private static void http(String[] args) throws Exception {
    if (!env("IGNORE_TERM", "").isEmpty()) {
      // A shutdown hook that never returns keeps the JVM (and its server threads) running after
      // SIGTERM until SIGKILL, without the internal sun.misc.Signal API.
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    System.out.println("got SIGTERM, ignoring");
                    System.out.flush();
                    while (true) {
                      try {
                        Thread.sleep(Long.MAX_VALUE);
                      } catch (InterruptedException e) {
                        // keep ignoring
                      }
                    }
                  }));
    }
    long spam = Long.parseLong(env("SPAM_BYTES", "0"));
    String filler = "x".repeat(90);
    for (long written = 0, i = 0; written < spam; i++) {
      String line = "spam " + i + " " + filler;
      System.out.println(line);
      written += line.length() + 1;
    }
    if (spam > 0) {
      System.out.println("spam done");
    }
    String stdin = System.in.read() < 0 ? "eof" : "data";
    String listenGate = env("LISTEN_GATE", "");
    if (!listenGate.isEmpty()) {
      System.out.println("waiting for gate");
      while (!Files.exists(Path.of(listenGate))) {
        Thread.sleep(10);
      }
    }
    int port = Integer.parseInt(env("LISTEN_PORT", System.getenv("PORT")));
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    String readyGate = env("READY_GATE", "");
    server.createContext(
        "/ready",
        x ->
            respond(
                x, readyGate.isEmpty() || Files.exists(Path.of(readyGate)) ? 200 : 503, "ready"));
    server.createContext("/live", x -> respond(x, env("LIVE_FAIL", "").isEmpty() ? 200 : 500, ""));
    server.createContext(
        "/env",
        x ->
            respond(
                x,
                200,
                "PORT="
                    + System.getenv("PORT")
                    + "\nK_SERVICE="
                    + System.getenv("K_SERVICE")
                    + "\nK_CONFIGURATION="
                    + System.getenv("K_CONFIGURATION")
                    + "\nK_REVISION="
                    + System.getenv("K_REVISION")
                    + "\nFOO="
                    + System.getenv("FOO")
                    + "\nBAR="
                    + System.getenv("BAR")
                    + "\ncwd="
                    + Path.of("").toAbsolutePath()
                    + "\nstdin="
                    + stdin
                    + "\nargs="
                    + Arrays.toString(args)
                    + "\n"));
    server.start();
    System.out.println("listening on " + port);
  }

  /** The command that starts this class in a new JVM, lean on startup time and memory. */
  static java.util.List<String> javaCommand() {
    return java.util.List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Xmx48m",
        "-Xss512k",
        "-cp",
        classesDir(),
        TestApp.class.getName());
  }

  static String classesDir() {
    try {
      return Path.of(TestApp.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void respond(com.sun.net.httpserver.HttpExchange x, int status, String body)
      throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream out = x.getResponseBody()) {
        out.write(b);
      }
    }
    x.close();
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null ? dflt : v;
  }
}
