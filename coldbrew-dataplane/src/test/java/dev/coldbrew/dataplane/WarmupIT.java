package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.stats.Stat;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The start-up warm-up runs the held, Proxy and Serve paths through the gateway's socket, unseen by
 * the data plane's observer and its load reports, and leaves nothing behind.
 */
class WarmupIT {
  private final Queue<Stat> stats = new ConcurrentLinkedQueue<>();
  private DataPlane dataPlane;

  @AfterEach
  void close() {
    dataPlane.close();
  }

  @Test
  void theWarmupAnswersEveryRequestAndLeavesNothingBehind() throws Exception {
    dataPlane =
        new DataPlane(
            DataPlaneOptions.defaults().withBind("127.0.0.1", 0).withEventLoops(1), stats::add);
    RecordingObserver observer = new RecordingObserver();
    dataPlane.observe(observer, true);
    dataPlane.start().toCompletableFuture().get(30, TimeUnit.SECONDS);

    Warmup.Result r = Warmup.run(dataPlane, 5, 20, Duration.ofSeconds(30));
    assertThat(r.sent()).isEqualTo(45); // 5 held ones, then 20 in each mode
    assertThat(r.ok()).isEqualTo(45);

    // neither the observer nor the autoscaler's sink heard of it (pokes and reports)
    assertThat(observer.seen).isEmpty();
    assertThat(stats).isEmpty();
    // what the warm-up used is gone: its host is unknown, no revision or instance is left
    assertThat(status(r.host())).isEqualTo(404);
    assertThat(observer.seen)
        .as("the observer hears the others")
        .containsExactly("refused 404 no_route");
    assertThat(dataPlane.revisionState(r.revision())).isNull();
    assertThat(dataPlane.requestsOnInstances()).isZero();
    // nor after it (the load reporter reports every second)
    await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(10)).until(stats::isEmpty);

    // a second warm-up (the path is warm now) works the same
    assertThat(Warmup.run(dataPlane, 3, 5, Duration.ofSeconds(30)).ok()).isEqualTo(13);
    assertThat(observer.seen).hasSize(1);
  }

  /** Out of time part-way (the first run of the path takes far longer than 20 ms): it stops. */
  @Test
  void aWarmupOutOfTimeStopsWhereItIsAndLeavesNothingBehind() throws Exception {
    dataPlane =
        new DataPlane(
            DataPlaneOptions.defaults().withBind("127.0.0.1", 0).withEventLoops(1), stats::add);
    dataPlane.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Warmup.Result r = Warmup.run(dataPlane, 5, 20, Duration.ofMillis(20));
    assertThat(r.ok()).isLessThan(45);
    assertThat(r.took()).isLessThan(Duration.ofSeconds(20));
    assertThat(status(r.host())).isEqualTo(404);
    assertThat(dataPlane.revisionState(r.revision())).isNull();
    assertThat(stats).isEmpty();
  }

  private int status(String host) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), dataPlane.port())) {
      s.getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nhost: " + host + "\r\nconnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String line = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      return Integer.parseInt(line.substring(9, 12));
    }
  }
}
