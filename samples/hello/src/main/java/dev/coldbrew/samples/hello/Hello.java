package dev.coldbrew.samples.hello;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Knative's helloworld, on the JDK alone: listens on {@code $PORT} (default 8080) and answers
 * {@code Hello $TARGET!} (default {@code World}) to every request.
 */
public final class Hello {
  private Hello() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    String target = System.getenv().getOrDefault("TARGET", "World");
    byte[] body = ("Hello " + target + "!\n").getBytes(StandardCharsets.UTF_8);
    // The JDK's server writes a response's head and body in two writes. With Nagle's algorithm on
    // (its default) the body then waits for the head's ACK, which a client delays by up to 40 ms on
    // a kept-alive connection. Read once, when the first server is created: set it before.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext(
        "/",
        exchange -> {
          try (exchange;
              OutputStream out = exchange.getResponseBody()) {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            out.write(body);
          }
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
    server.start();
    System.out.println("hello: listening on 127.0.0.1:" + port);
  }
}
