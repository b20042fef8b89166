package dev.coldbrew.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scrapes a pod's queue as Knative's autoscaler does: {@code GET http://<pod IP>:9090/metrics} in
 * Prometheus' text format ({@link PrometheusText}), 3 s at most, no keep-alive reuse across pods.
 * Knative's newer autoscaler asks for a protobuf body first; this one reads only the text format,
 * which Knative's queue-proxy still serves and Coldbrew's queue will. Bodies over {@value
 * #MAX_BODY_BYTES} bytes are refused. Thread-safe; requests run on the JDK client's threads.
 */
public final class HttpQueueScraper implements QueueScraper, AutoCloseable {
  static final int MAX_BODY_BYTES = 1 << 20;
  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final int port;
  private final ExecutorService executor =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "coldbrew-k8s-scrape-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
  private final HttpClient http;

  /** Scrapes {@code port} (9090 for Knative's and Coldbrew's queue). */
  public HttpQueueScraper(int port) {
    this.port = port;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .executor(executor)
            .build();
  }

  @Override
  public CompletableFuture<QueueStats> scrape(String podIp) {
    String host = podIp.contains(":") ? "[" + podIp + "]" : podIp;
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/metrics"))
            .timeout(TIMEOUT)
            .header("Accept", "text/plain")
            .GET()
            .build();
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream())
        .thenApply(
            resp -> {
              try (InputStream in = resp.body()) {
                if (resp.statusCode() < 200 || resp.statusCode() >= 300) {
                  throw new IllegalStateException(
                      "GET " + req.uri() + " answered HTTP " + resp.statusCode());
                }
                byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
                if (body.length > MAX_BODY_BYTES) {
                  throw new IllegalStateException(
                      "GET " + req.uri() + ": body over " + MAX_BODY_BYTES + " bytes");
                }
                return PrometheusText.queueStats(new String(body, StandardCharsets.UTF_8));
              } catch (IOException e) {
                throw new IllegalStateException("GET " + req.uri() + ": " + e, e);
              }
            });
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
