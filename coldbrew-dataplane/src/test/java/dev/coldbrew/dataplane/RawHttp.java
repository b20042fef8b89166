package dev.coldbrew.dataplane;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Raw HTTP/1.1 over a plain socket, byte for byte as written: for hostile-input tests. */
final class RawHttp {
  private RawHttp() {}

  /** A connection to {@code 127.0.0.1:port} that has sent {@code request} (ISO-8859-1 bytes). */
  static Socket open(int port, String request) throws Exception {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(30_000);
    send(socket, request);
    return socket;
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
