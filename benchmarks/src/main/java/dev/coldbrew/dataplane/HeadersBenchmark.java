package dev.coldbrew.dataplane;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.headers.HeadersAdaptor;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.net.SocketAddress;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The gateway's per-request header work, in the header maps Vert.x uses: copying a curl-like client
 * request (Host, User-Agent, Accept) to the instance request, copying an nginx-like instance
 * response (five headers, {@code Connection: keep-alive}) to the client, and counting Host headers.
 * Lives in the data plane's package to reach the package-private {@link Headers}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeadersBenchmark {
  Headers headers;
  HttpServerRequest request;
  MultiMap requestHeaders;
  MultiMap upstream;
  MultiMap response;
  MultiMap client;

  @Setup
  public void setUp() {
    headers = new Headers(DataPlaneOptions.defaults().hopByHopHeaders());
    requestHeaders = HeadersMultiMap.httpHeaders();
    requestHeaders
        .add("Host", "hello.default.localhost")
        .add("User-Agent", "curl/8.5.0")
        .add("Accept", "*/*");
    SocketAddress remote = SocketAddress.inetSocketAddress(50_000, "127.0.0.1");
    request =
        (HttpServerRequest)
            Proxy.newProxyInstance(
                HttpServerRequest.class.getClassLoader(),
                new Class<?>[] {HttpServerRequest.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "headers" -> requestHeaders;
                      case "remoteAddress" -> remote;
                      default -> throw new UnsupportedOperationException(method.getName());
                    });
    upstream = HeadersMultiMap.httpHeaders();
    response = new HeadersAdaptor(new DefaultHttpHeaders());
    response
        .add("Server", "nginx/1.22.1")
        .add("Date", "Thu, 26 Nov 2026 02:30:00 GMT")
        .add("Content-Type", "application/octet-stream")
        .add("Content-Length", "3")
        .add("Connection", "keep-alive");
    client = HeadersMultiMap.httpHeaders();
  }

  @Benchmark
  public MultiMap copyRequest() {
    upstream.clear();
    headers.copyRequest(request, upstream, false);
    return upstream;
  }

  @Benchmark
  public MultiMap copyResponse() {
    client.clear();
    headers.copyResponse(response, client, false);
    return client;
  }

  /** What the gateway did before: a list of every Host value. */
  @Benchmark
  public int hostCountGetAll() {
    return requestHeaders.getAll(HttpHeaders.HOST).size();
  }

  /** What it does now: a walk with a reused counter. */
  @Benchmark
  public int hostCountForEach(HostCounter counter) {
    counter.hosts = 0;
    requestHeaders.forEach(counter);
    return counter.hosts;
  }

  /** The per-connection counter, as DataPlane keeps it. */
  @State(Scope.Thread)
  public static class HostCounter implements java.util.function.BiConsumer<String, String> {
    int hosts;

    @Override
    public void accept(String name, String value) {
      if (name.length() == 4 && name.equalsIgnoreCase("host")) {
        hosts++;
      }
    }
  }
}
