package dev.coldbrew.dataplane;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The gateway's per-request header work on Netty's header maps, as its decoders produce them: the
 * scan and in-place rewrite of a curl-like client request (Host, User-Agent, Accept) for the
 * instance, and the rewrite of an nginx-like instance response (five headers, {@code Connection:
 * keep-alive}) for the client. Each operation first refills the map (the rewrite changes it), so
 * the figures include three or five header adds. Lives in the data plane's package to reach the
 * package-private {@link Headers}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeadersBenchmark {
  Headers headers;
  Headers.RequestScan scan;
  HttpHeaders request;
  HttpHeaders response;

  @Setup
  public void setUp() {
    headers = new Headers(DataPlaneOptions.defaults().hopByHopHeaders());
    scan = new Headers.RequestScan();
    request = DefaultHttpHeadersFactory.headersFactory().newHeaders();
    response = DefaultHttpHeadersFactory.headersFactory().newHeaders();
  }

  private void fillRequest() {
    request.clear();
    request
        .add("Host", "hello.default.localhost")
        .add("User-Agent", "curl/8.5.0")
        .add("Accept", "*/*");
  }

  /** Refilling the request map alone: subtract it from {@link #scanAndRewriteRequest}. */
  @Benchmark
  public HttpHeaders fillRequestOnly() {
    fillRequest();
    return request;
  }

  @Benchmark
  public int scanRequest() {
    fillRequest();
    headers.scan(request, scan);
    return scan.hosts;
  }

  @Benchmark
  public HttpHeaders scanAndRewriteRequest() {
    fillRequest();
    headers.scan(request, scan);
    headers.rewriteRequest(request, scan, null, null, "127.0.0.1", "for=127.0.0.1;proto=http");
    return request;
  }

  @Benchmark
  public HttpHeaders rewriteResponse() {
    response.clear();
    response
        .add("Server", "nginx/1.22.1")
        .add("Date", "Thu, 26 Nov 2026 02:30:00 GMT")
        .add("Content-Type", "application/octet-stream")
        .add("Content-Length", "3")
        .add("Connection", "keep-alive");
    headers.rewriteResponse(response, false);
    return response;
  }
}
