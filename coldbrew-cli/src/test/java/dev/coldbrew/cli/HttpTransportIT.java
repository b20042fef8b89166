package dev.coldbrew.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CLI's HTTP client against a scripted server on a loopback socket: each test writes the raw
 * response bytes the server sends, including malformed and hostile ones.
 */
class HttpTransportIT {
  private final ServerSocket server;
  private CompletableFuture<String> request;

  HttpTransportIT() throws IOException {
    server =
        new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1")); // the address it is sent to
  }

  @AfterEach
  void close() throws IOException {
    server.close();
  }

  /** Answers the next connection with {@code response}; the request's head is {@link #request}. */
  private HttpTransport answering(String response) {
    request =
        CompletableFuture.supplyAsync(
            () -> {
              try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                  int c = in.read();
                  if (c < 0) {
                    break;
                  }
                  head.write(c);
                }
                OutputStream out = s.getOutputStream();
                out.write(response.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return head.toString(StandardCharsets.ISO_8859_1);
              } catch (IOException e) {
                return "failed: " + e;
              }
            });
    return new HttpTransport(URI.create("http://127.0.0.1:" + server.getLocalPort()), 5000);
  }

  @Test
  void sendsOneRequestPerConnectionWithHostAndLength() throws Exception {
    HttpTransport t = answering("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
    try (HttpTransport.Response r =
        t.send("POST", "/x?y=1", 5000, "{}".getBytes(), "Content-Type", "application/json")) {
      assertThat(r.status()).isEqualTo(201);
      assertThat(r.text()).isEqualTo("ok");
    }
    assertThat(request.get())
        .startsWith("POST /x?y=1 HTTP/1.1\r\n")
        .contains("Host: 127.0.0.1:" + server.getLocalPort() + "\r\n")
        .contains("Connection: close\r\n")
        .contains("Content-Type: application/json\r\n")
        .contains("Content-Length: 2\r\n");
  }

  @Test
  void readsChunkedBodiesAndRepeatedHeaders() throws Exception {
    HttpTransport t =
        answering(
            "HTTP/1.1 200 OK\r\nWarning: 299 - \"one\"\r\nwarning: 299 - \"two\"\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n"
                + "0\r\nTrailer: x\r\n\r\n");
    try (HttpTransport.Response r = t.send("GET", "/", 5000, null)) {
      assertThat(r.text()).isEqualTo("hello world");
      assertThat(r.headers("Warning")).containsExactly("299 - \"one\"", "299 - \"two\"");
    }
  }

  @Test
  void skipsInterimAnswersAndReadsToTheEndWithoutALength() throws Exception {
    HttpTransport t =
        answering("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nuntil the end");
    try (HttpTransport.Response r = t.send("GET", "/", 5000, null)) {
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo("until the end");
    }
  }

  @Test
  void refusesMalformedAnswers() {
    assertThatThrownBy(() -> answering("SSH-2.0-OpenSSH\r\n\r\n").send("GET", "/", 5000, null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not an HTTP response");
    assertThatThrownBy(
            () ->
                answering("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n")
                    .send("GET", "/", 5000, null))
        .hasMessageContaining("malformed Content-Length");
    assertThatThrownBy(
            () ->
                answering("HTTP/1.1 200 OK\r\nX: " + "a".repeat(70_000) + "\r\n\r\n")
                    .send("GET", "/", 5000, null))
        .hasMessageContaining("over 65536 bytes");
    assertThatThrownBy(() -> answering("").send("GET", "/", 5000, null))
        .hasMessageContaining("closed the connection before answering");
  }

  @Test
  void aShortBodyOrABrokenChunkIsAnError() throws Exception {
    try (HttpTransport.Response r =
        answering("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")
            .send("GET", "/", 5000, null)) {
      assertThatThrownBy(r::text).hasMessageContaining("closed 5 bytes before the end");
    }
    try (HttpTransport.Response r =
        answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            .send("GET", "/", 5000, null)) {
      assertThatThrownBy(r::text).hasMessageContaining("malformed chunk size");
    }
  }

  @Test
  void anUnknownHostIsSaidSo() {
    HttpTransport t = new HttpTransport(URI.create("http://no-such-host.invalid:8081"), 5000);
    assertThatThrownBy(() -> t.send("GET", "/", 5000, null))
        .isInstanceOf(UnknownHostException.class);
  }
}
