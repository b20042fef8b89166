package dev.coldbrew.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.controller.AutoscalerObserver.Decision;
import dev.coldbrew.server.AdminApi;
import dev.coldbrew.server.PlatformConfig;
import dev.coldbrew.server.events.EventLog;
import dev.coldbrew.server.metrics.RevisionMeters;
import dev.coldbrew.server.metrics.Telemetry;
import dev.coldbrew.store.ResourceCache;
import dev.coldbrew.store.SqliteStore;
import dev.coldbrew.store.admission.Admission;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard over real HTTP on the admin API (one event loop, as {@code serve} runs it), with
 * its state read from a real SQLite store through the resource cache: with 3 000 services the admin
 * API keeps answering {@code /healthz} while states are built and streamed, and one state is built
 * per tick however many tabs are open.
 */
class DashboardIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final byte[] HEALTHZ =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final List<AutoCloseable> toClose = new ArrayList<>();
  final AtomicBoolean stopping = new AtomicBoolean();
  Vertx vertx;
  Dashboard dashboard;
  int port;

  @AfterEach
  void stop() throws Exception {
    stopping.set(true);
    if (dashboard != null) {
      dashboard.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** Serves {@code services} services (one revision each, with history) with a fast tick. */
  private void start(int services, Duration tick) throws Exception {
    SqliteStore store = SqliteStore.open(dir);
    toClose.add(store);
    DashboardFixtures.services(store, "default", services);
    ResourceCache cache = ResourceCache.of(store).start();
    toClose.add(cache);
    Telemetry telemetry =
        new Telemetry(
            new EventLog(Clock.systemUTC(), Duration.ofMinutes(1), 10),
            Clock.systemUTC(),
            r -> Map.of(),
            r -> 0);
    toClose.add(telemetry);
    for (int i = 0; i < services; i++) {
      telemetry.decided(
          new NamespacedName("default", String.format("svc-%05d-00001", i)),
          new Decision(1, 1, 1, false, 0.5, 0.5, 70, 100, SksMode.SERVE));
    }
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(8));
    AdminApi api =
        new AdminApi(
            vertx,
            store,
            new Admission(store, PlatformConfig.standard().validationContext()),
            dev.coldbrew.server.TestAdmin.access());
    dashboard = new Dashboard(vertx, cache, telemetry, tick);
    dashboard.mount(api);
    port = dev.coldbrew.server.TestAdmin.listen(api);
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", dev.coldbrew.server.TestAdmin.BEARER)
        .timeout(WAIT)
        .build();
  }

  /**
   * Opens a dashboard stream read on a thread of its own; returns the {@code time} of every state
   * received, in order.
   */
  private List<Long> stream() {
    List<Long> times = new CopyOnWriteArrayList<>();
    http.sendAsync(get("/dashboard/api/stream"), HttpResponse.BodyHandlers.ofLines())
        .thenAcceptAsync(
            resp -> {
              try (Stream<String> lines = resp.body()) {
                lines
                    .takeWhile(l -> !stopping.get())
                    .filter(l -> l.startsWith("data: "))
                    .forEach(l -> times.add(time(l.substring(6))));
              }
            });
    return times;
  }

  /**
   * Opens a dashboard stream whose bytes are only counted (no strings, so the test's own
   * allocations stay small); returns the number of events received so far.
   */
  private AtomicInteger countingStream() {
    AtomicInteger events = new AtomicInteger();
    http.sendAsync(get("/dashboard/api/stream"), HttpResponse.BodyHandlers.ofInputStream())
        .thenAcceptAsync(
            resp -> {
              byte[] buf = new byte[1 << 16];
              int previous = 0;
              try (InputStream in = resp.body()) {
                for (int n = in.read(buf); n >= 0 && !stopping.get(); n = in.read(buf)) {
                  for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n' && previous == '\n') { // an event ends with a blank line
                      events.incrementAndGet();
                    }
                    previous = buf[i];
                  }
                }
              } catch (IOException e) {
                // closed at the end of the test
              }
            });
    return events;
  }

  /** The {@code time} of a state, read from its start ({@code {"time":N,"services":[...]}}). */
  private static long time(String json) {
    assertThat(json).startsWith("{\"time\":").contains(",\"services\":[").endsWith("]}");
    return Long.parseLong(json.substring(8, json.indexOf(',')));
  }

  /**
   * Milliseconds one {@code GET /healthz} took on {@code probe}, a kept-alive plain socket (so only
   * the server and this thread are involved); asserts it answered 200.
   */
  private static long healthz(Socket probe) throws IOException {
    long t0 = System.nanoTime();
    probe.getOutputStream().write(HEALTHZ);
    InputStream in = probe.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after: " + head);
      }
      head.append((char) b);
    }
    String h = head.toString().toLowerCase(java.util.Locale.ROOT);
    int at = h.indexOf("content-length:");
    int length = Integer.parseInt(h.substring(at + 15, h.indexOf('\r', at)).trim());
    in.readNBytes(length);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(head.toString()).startsWith("HTTP/1.1 200");
    return ms;
  }

  @Test
  void healthzStaysFastWhileStatesOf3000ServicesAreBuiltAndStreamed() throws Exception {
    start(3000, RevisionMeters.SAMPLE); // the real tick: a state every 2 s

    assertThat(
            JSON.readTree(http.send(get("/dashboard/api/state"), BodyHandlers.ofString()).body())
                .path("services"))
        .hasSize(3000);
    Socket probe = new Socket("127.0.0.1", port);
    toClose.add(probe);
    probe.setTcpNoDelay(true);
    // warm up: the JIT compiles the probe's path and the build's before anything is timed
    for (int i = 0; i < 20; i++) {
      healthz(probe);
    }
    for (int i = 0; i < 10; i++) {
      dashboard.state();
    }

    List<AtomicInteger> tabs = List.of(countingStream(), countingStream(), countingStream());
    // and a client polling the state as JSON
    CompletableFuture<Void> poller = CompletableFuture.runAsync(this::pollState);
    await().atMost(WAIT).until(() -> tabs.stream().allMatch(t -> t.get() > 0));
    long buildsBefore = dashboard.builds();
    int[] receivedBefore = tabs.stream().mapToInt(AtomicInteger::get).toArray();

    List<Long> probes = new ArrayList<>();
    long end = System.nanoTime() + Duration.ofSeconds(9).toNanos();
    while (System.nanoTime() < end) {
      probes.add(healthz(probe));
      Thread.sleep(20);
    }

    assertThat(probes).hasSizeGreaterThan(100);
    assertThat(dashboard.builds() - buildsBefore)
        .as("states built while /healthz was probed")
        .isGreaterThanOrEqualTo(3);
    for (int i = 0; i < tabs.size(); i++) {
      assertThat(tabs.get(i).get() - receivedBefore[i])
          .as("states streamed to tab %d while /healthz was probed", i)
          .isGreaterThanOrEqualTo(3);
    }
    // A build on the event loop would stall a probe at every one of the (>= 3) builds above; one
    // slow probe alone is the scheduler of a loaded 2-core machine, so one is tolerated.
    assertThat(probes.stream().filter(ms -> ms >= 100).count())
        .as("/healthz answers of 100 ms or more (ms: %s)", probes)
        .isLessThanOrEqualTo(1);
    assertThat(probes)
        .as("every /healthz answered in under 1 s (ms: %s)", probes)
        .allMatch(ms -> ms < 1000);
    stopping.set(true);
    poller.get();
  }

  /** Asks for the state as JSON, one request at a time, once a second. */
  private void pollState() {
    while (!stopping.get()) {
      HttpResponse<byte[]> r =
          http.sendAsync(get("/dashboard/api/state"), HttpResponse.BodyHandlers.ofByteArray())
              .join();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(new String(r.body(), 0, 8, StandardCharsets.UTF_8)).isEqualTo("{\"time\":");
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Test
  void oneStateIsBuiltPerTickHoweverManyTabsAreOpen() throws Exception {
    start(200, Duration.ofMillis(100));
    List<List<Long>> tabs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      tabs.add(stream());
    }
    await().atMost(WAIT).until(() -> tabs.stream().allMatch(t -> !t.isEmpty()));
    long builds = dashboard.builds();
    long ticks = dashboard.ticks();
    int[] before = tabs.stream().mapToInt(List::size).toArray();
    await()
        .atMost(WAIT)
        .until(
            () -> {
              for (int i = 0; i < tabs.size(); i++) {
                if (tabs.get(i).size() - before[i] < 10) {
                  return false;
                }
              }
              return true;
            });
    long builtMeanwhile = dashboard.builds() - builds;
    long ticked = dashboard.ticks() - ticks;
    assertThat(builtMeanwhile)
        .as("states built in %d ticks while %d tabs got 10 each", ticked, tabs.size())
        .isLessThanOrEqualTo(ticked + 1);
    // every state a tab got is one of those built: one build, written to every tab
    Set<Long> distinct = ConcurrentHashMap.newKeySet();
    tabs.forEach(distinct::addAll);
    int received = tabs.stream().mapToInt(List::size).sum();
    assertThat(distinct.size())
        .as("distinct states among the %d the tabs received", received)
        .isLessThanOrEqualTo((int) dashboard.builds())
        .isLessThan(received / 4);
  }

  @Test
  void concurrentStateRequestsShareOneBuild() throws Exception {
    start(200, Duration.ofSeconds(30)); // no tick during the test
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      answers.add(
          http.sendAsync(get("/dashboard/api/state"), HttpResponse.BodyHandlers.ofString()));
    }
    Set<Long> times = ConcurrentHashMap.newKeySet();
    for (var a : answers) {
      HttpResponse<String> r = a.get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(JSON.readTree(r.body()).path("services")).hasSize(200);
      times.add(time(r.body()));
    }
    assertThat(dashboard.builds()).as("builds for 20 requests").isLessThanOrEqualTo(2);
    assertThat(times).hasSizeLessThanOrEqualTo(2);
  }
}
