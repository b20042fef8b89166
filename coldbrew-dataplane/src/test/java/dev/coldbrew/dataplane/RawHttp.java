package dev.coldbrew.dataplane;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Raw HTTP/1.1 over a plain socket, byte for byte as written: for hostile-input tests. */
final class RawHttp {
  private RawHttp() {}

  /** A connection to {@code 127.0.0.1:port} that has sent {@code request} (ISO-8859-1 bytes). */
  static Socket open(int port, String request) throws Exception {
    Socket socket = connect(port);
    socket.setSoTimeout(30_000);
    send(socket, request);
    return socket;
  }

  /**
   * A connection to a gateway that has just said it listens. A connect to such a gateway was
   * refused once in CI (DataPlaneIT, stop 24) and never in about 1300 runs of the same tests here,
   * so the cause is not known: a refusal prints what the kernel holds on the port ({@code
   * /proc/net/tcp}) and is tried once more; a second refusal fails the test with that table in its
   * message.
   */
  static Socket connect(int port) throws IOException {
    try {
      return new Socket("127.0.0.1", port);
    } catch (ConnectException first) {
      String sockets = socketsOn(port);
      System.out.println(
          "RawHttp: connect to 127.0.0.1:" + port + " refused; on the port:\n" + sockets);
      try {
        return new Socket("127.0.0.1", port);
      } catch (ConnectException second) {
        ConnectException e =
            new ConnectException("refused twice, 127.0.0.1:" + port + "; on the port:\n" + sockets);
        e.addSuppressed(first);
        e.addSuppressed(second);
        throw e;
      }
    }
  }

  private static final String[] TCP_STATES = {
    "?",
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECV",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "TIME_WAIT",
    "CLOSE",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING"
  };

  /** The kernel's IPv4 and IPv6 TCP sockets with {@code port} at either end, a line each. */
  static String socketsOn(int port) {
    String hex = String.format(":%04X", port);
    StringBuilder out = new StringBuilder();
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 3 && (f[1].endsWith(hex) || f[2].endsWith(hex))) {
            int state = Integer.parseInt(f[3], 16);
            String name = state < TCP_STATES.length ? TCP_STATES[state] : f[3];
            out.append(table).append(' ').append(f[1]).append(" -> ").append(f[2]);
            out.append(' ').append(name).append('\n');
          }
        }
      } catch (IOException | RuntimeException e) {
        out.append(table).append(": ").append(e).append('\n');
      }
    }
    return out.length() == 0 ? "(none)" : out.toString();
  }

  static void send(Socket socket, String bytes) throws Exception {
    OutputStream out = socket.getOutputStream();
    out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Sends {@code request} on a new connection and returns the first read of the answer. */
  static String raw(int port, String request) throws Exception {
    try (Socket socket = open(port, request)) {
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[256];
      int n = in.read(buf);
      return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * Sends {@code request} on a new connection and reads until the gateway closes it; fails (read
   * timeout) if it never does.
   */
  static String untilClosed(int port, String request) throws Exception {
    try (Socket socket = open(port, request)) {
      return untilClosed(socket);
    }
  }

  static String untilClosed(Socket socket) throws Exception {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    int n;
    while ((n = in.read(buf)) != -1) {
      all.write(buf, 0, n);
    }
    return all.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads until the text ends with {@code end} or the stream ends. */
  static String readUntil(InputStream in, String end) throws Exception {
    StringBuilder sb = new StringBuilder();
    int b;
    while (!sb.toString().endsWith(end) && (b = in.read()) != -1) {
      sb.append((char) b);
    }
    return sb.toString();
  }
}
