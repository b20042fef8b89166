package dev.coldbrew.cli.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written byte for byte on a socket, for headers the JDK client will not send ({@code
 * Host}, {@code Origin}, {@code Sec-Fetch-Site}) and framing it would not produce.
 */
final class RawHttp {
  private RawHttp() {}

  /** A response: status (-1 when the connection closed first), headers by lower-case name, body. */
  record Reply(int status, Map<String, List<String>> headers, String body) {
    String header(String name) {
      List<String> v = headers.get(name);
      return v == null ? null : v.get(0);
    }
  }

  /** Sends {@code request} on a new connection to 127.0.0.1:{@code port}; reads one response. */
  static Reply exchange(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(60_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      return read(s.getInputStream());
    }
  }

  /**
   * A request with {@code Connection: close}; {@code headersThenBody} are name/value pairs and, if
   * their number is odd, a body last (its Content-Length is added).
   */
  static String request(String method, String path, String... headersThenBody) {
    StringBuilder sb = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    int n = headersThenBody.length;
    for (int i = 0; i + 1 < n; i += 2) {
      sb.append(headersThenBody[i]).append(": ").append(headersThenBody[i + 1]).append("\r\n");
    }
    String body = n % 2 == 1 ? headersThenBody[n - 1] : null;
    if (body != null) {
      sb.append("Content-Length: ")
          .append(body.getBytes(StandardCharsets.UTF_8).length)
          .append("\r\n");
    }
    sb.append("Connection: close\r\n\r\n");
    return body == null ? sb.toString() : sb.append(body).toString();
  }

  /** Reads one response: its head, then Content-Length bytes, or up to EOF. */
  static Reply read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0; // of "\r\n\r\n"
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return new Reply(-1, Map.of(), "");
        }
        break;
      }
      head.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, List<String>> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      if (c > 0) {
        headers
            .computeIfAbsent(
                lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
            .add(lines[i].substring(c + 1).trim());
      }
    }
    List<String> len = headers.get("content-length");
    byte[] body =
        status == 100
            ? new byte[0]
            : len != null ? in.readNBytes(Integer.parseInt(len.get(0))) : in.readAllBytes();
    return new Reply(status, headers, new String(body, StandardCharsets.UTF_8));
  }
}
