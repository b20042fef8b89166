package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpQueueScraper} against a real HTTP server on loopback playing a queue's metrics port,
 * and {@link ScrapeLoop}'s sample size.
 */
class HttpQueueScraperTest {
  private HttpServer server;
  private HttpQueueScraper scraper;
  private final AtomicReference<byte[]> body = new AtomicReference<>();
  private final AtomicReference<Integer> code = new AtomicReference<>(200);
  private final AtomicReference<String> path = new AtomicReference<>();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            path.set(ex.getRequestURI().getPath());
            byte[] b = body.get();
            ex.sendResponseHeaders(code.get(), b.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(b);
            }
          }
        });
    server.start();
    scraper = new HttpQueueScraper(server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    scraper.close();
    server.stop(0);
  }

  private void serve(String text) {
    body.set(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsTheQueueStatsFromMetrics() throws Exception {
    serve(
        """
        queue_average_concurrent_requests 4
        queue_average_proxied_concurrent_requests 1
        queue_requests_per_second 20
        queue_proxied_operations_per_second 5
        """);
    QueueStats s = scraper.scrape("127.0.0.1").get(10, TimeUnit.SECONDS);
    assertThat(s).isEqualTo(new QueueStats(4, 1, 20, 5));
    assertThat(path.get()).isEqualTo("/metrics");
  }

  @Test
  void anErrorStatusABadBodyAndAnOversizedBodyFailTheScrape() {
    serve("queue_average_concurrent_requests 4\n");
    code.set(500);
    assertThatThrownBy(() -> scraper.scrape("127.0.0.1").get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("answered HTTP 500");
    code.set(200);
    assertThatThrownBy(() -> scraper.scrape("127.0.0.1").get(10, TimeUnit.SECONDS))
        .hasMessageContaining("no queue_average_proxied_concurrent_requests sample");
    body.set(new byte[HttpQueueScraper.MAX_BODY_BYTES + 10]);
    assertThatThrownBy(() -> scraper.scrape("127.0.0.1").get(10, TimeUnit.SECONDS))
        .hasMessageContaining("body over " + HttpQueueScraper.MAX_BODY_BYTES + " bytes");
  }

  @Test
  void aPodThatDoesNotAnswerFailsTheScrape() throws Exception {
    int closed;
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    try (HttpQueueScraper nowhere = new HttpQueueScraper(closed)) {
      assertThatThrownBy(() -> nowhere.scrape("127.0.0.1").get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
    }
  }

  @Test
  void theSampleSizeIsKnativesPopulationMean() {
    assertThat(ScrapeLoop.sampleSize(0)).isZero();
    assertThat(ScrapeLoop.sampleSize(1)).isEqualTo(1);
    assertThat(ScrapeLoop.sampleSize(3)).isEqualTo(3);
    // ceil(N·X / (N + X − 1)) with X = 1.96² · 100 / 5² = 15.3664
    assertThat(ScrapeLoop.sampleSize(4)).isEqualTo(4);
    assertThat(ScrapeLoop.sampleSize(10)).isEqualTo(7);
    assertThat(ScrapeLoop.sampleSize(100)).isEqualTo(14);
    assertThat(ScrapeLoop.sampleSize(1000)).isEqualTo(16);
  }
}
