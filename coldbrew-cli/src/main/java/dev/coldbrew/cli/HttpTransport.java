package dev.coldbrew.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The CLI's HTTP/1.1 client for the admin API: one request per connection ({@code Connection:
 * close}), a body by {@code Content-Length}, chunked or up to the end of the connection, and {@code
 * https} through the JDK's default TLS settings with host name verification. It is this small on
 * purpose: a CLI call makes one to three requests, and {@code java.net.http.HttpClient} costs a
 * selector thread and over a thousand classes at every start, about a fifth of a client command's
 * time. Thread-safe (every request has its own socket).
 */
final class HttpTransport {
  private static final int MAX_HEADER_BYTES = 64 * 1024;

  private final URI server;
  private final int connectTimeoutMillis;

  /** A response: the status, the headers (names in lower case) and the body to read. */
  record Response(int status, Map<String, List<String>> headers, InputStream body)
      implements AutoCloseable {
    String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** Every value of a header, in order. */
    List<String> headers(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** The whole body as text (UTF-8); closes the connection. */
    String text() throws IOException {
      try (InputStream in = body) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  HttpTransport(URI server, int connectTimeoutMillis) {
    this.server = server;
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  /**
   * Sends a request and returns once the response's headers have arrived; the caller reads (and
   * closes) the body.
   *
   * @param readTimeoutMillis how long a read may wait for bytes (0: forever, for streams)
   * @param headers further headers as name, value pairs
   * @param body the body, or null for none
   */
  Response send(
      String method, String pathAndQuery, int readTimeoutMillis, byte[] body, String... headers)
      throws IOException {
    boolean tls = "https".equals(server.getScheme());
    int port = server.getPort() >= 0 ? server.getPort() : tls ? 443 : 80;
    Socket socket = tls ? SSLSocketFactory.getDefault().createSocket() : new Socket();
    try {
      socket.connect(new InetSocketAddress(server.getHost(), port), connectTimeoutMillis);
      if (socket instanceof SSLSocket ssl) {
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(p);
      }
      socket.setSoTimeout(readTimeoutMillis);
      socket.setTcpNoDelay(true);
      StringBuilder head = new StringBuilder(256);
      head.append(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n");
      head.append("Host: ").append(server.getRawAuthority()).append("\r\n");
      head.append("Connection: close\r\n");
      for (int i = 0; i + 1 < headers.length; i += 2) {
        head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
      }
      if (body != null) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        head.append("Content-Length: 0\r\n");
      }
      head.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        out.write(body);
      }
      out.flush();
      InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      int status = readStatus(in);
      Map<String, List<String>> h = readHeaders(in);
      while (status >= 100 && status < 200) { // 100 Continue and other interim answers
        status = readStatus(in);
        h = readHeaders(in);
      }
      InputStream raw = new SocketInput(in, socket);
      String te = first(h, "transfer-encoding");
      String len = first(h, "content-length");
      InputStream content;
      if (method.equals("HEAD") || status == 204 || status == 304) {
        content = new BoundedInput(raw, 0);
      } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
        content = new ChunkedInput(raw);
      } else if (len != null) {
        content = new BoundedInput(raw, parseLength(len));
      } else {
        content = raw;
      }
      return new Response(status, h, content);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  private static String first(Map<String, List<String>> h, String name) {
    List<String> v = h.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static long parseLength(String v) throws IOException {
    try {
      long n = Long.parseLong(v.trim());
      if (n < 0) {
        throw new NumberFormatException(v);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IOException("malformed Content-Length: " + v);
    }
  }

  private static int readStatus(InputStream in) throws IOException {
    String line = readLine(in);
    if (line == null) {
      throw new EOFException("the server closed the connection before answering");
    }
    String[] parts = line.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP response: " + line);
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP response: " + line);
    }
  }

  private static Map<String, List<String>> readHeaders(InputStream in) throws IOException {
    Map<String, List<String>> h = new LinkedHashMap<>();
    int total = 0;
    for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
      total += line.length();
      if (total > MAX_HEADER_BYTES) {
        throw new IOException("response headers over " + MAX_HEADER_BYTES + " bytes");
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        h.computeIfAbsent(
                line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                k -> new java.util.ArrayList<>())
            .add(line.substring(colon + 1).trim());
      }
    }
    return h;
  }

  /** A line without its CRLF (or LF), in ISO-8859-1; null at the end of the stream. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(128);
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        break;
      }
      if (b.size() > MAX_HEADER_BYTES) {
        throw new IOException("response line over " + MAX_HEADER_BYTES + " bytes");
      }
      b.write(c);
    }
    if (c == -1 && b.size() == 0) {
      return null;
    }
    String s = b.toString(StandardCharsets.ISO_8859_1);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  /** The socket's input; closing it closes the socket. */
  private static final class SocketInput extends InputStream {
    private final InputStream in;
    private final Socket socket;

    SocketInput(InputStream in, Socket socket) {
      this.in = in;
      this.socket = socket;
    }

    @Override
    public int read() throws IOException {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return in.read(b, off, len);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A body framed within the connection's stream; reads one byte through the bulk read. */
  private abstract static class FramedInput extends InputStream {
    final InputStream in;

    FramedInput(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** At most {@code remaining} bytes of the underlying stream. */
  private static final class BoundedInput extends FramedInput {
    private long remaining;

    BoundedInput(InputStream in, long length) {
      super(in);
      this.remaining = length;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw new EOFException("the connection closed " + remaining + " bytes before the end");
      }
      remaining -= n;
      return n;
    }
  }

  /** A chunked body, decoded; trailers are read and dropped. */
  private static final class ChunkedInput extends FramedInput {
    private long chunkLeft;
    private boolean done;

    ChunkedInput(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (chunkLeft == 0) {
        String size = readLine(in);
        if (size == null) {
          throw new EOFException("the connection closed inside a chunked body");
        }
        int semi = size.indexOf(';');
        try {
          chunkLeft = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
        } catch (NumberFormatException e) {
          throw new IOException("malformed chunk size: " + size);
        }
        if (chunkLeft == 0) {
          for (String t = readLine(in); t != null && !t.isEmpty(); t = readLine(in)) {
            // trailers: dropped
          }
          done = true;
          return -1;
        }
      }
      int n = in.read(b, off, (int) Math.min(len, chunkLeft));
      if (n < 0) {
        throw new EOFException("the connection closed inside a chunk");
      }
      chunkLeft -= n;
      if (chunkLeft == 0) {
        readLine(in); // the CRLF after the chunk
      }
      return n;
    }
  }
}
