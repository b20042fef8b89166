package dev.coldbrew.dataplane;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An app that answers the way the JDK's HttpServer does by default: Nagle's algorithm on, the
 * response head and body in two separate writes. On a kept-alive connection the second write waits
 * until the first is acknowledged, so a receiver that delays its ACK (Linux does, 40 ms, once a
 * connection looks interactive) makes every response 40 ms slow. Serves bodiless requests on
 * 127.0.0.1, one thread per connection, until closed.
 */
final class NagleApp implements AutoCloseable {
  private static final byte[] HEAD =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] BODY = "hello\n".getBytes(StandardCharsets.ISO_8859_1);

  private final ServerSocket server;

  NagleApp() throws IOException {
    server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread accept = new Thread(this::accept, "nagle-app");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> serve(s), "nagle-app-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private static void serve(Socket s) {
    try (s) {
      s.setTcpNoDelay(false);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream(); // unbuffered: each write is one send
      while (readHead(in)) {
        out.write(HEAD);
        out.write(BODY);
      }
    } catch (IOException gone) {
      // the client closed the connection
    }
  }

  /** Reads up to the blank line that ends a head; false at the end of the stream. */
  private static boolean readHead(InputStream in) throws IOException {
    int matched = 0;
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\r') {
        matched = matched == 2 ? 3 : 1;
      } else if (b == '\n' && (matched == 1 || matched == 3)) {
        matched++;
      } else {
        matched = 0;
      }
      if (matched == 4) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
