package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 16's gateway limits through the real jar: slow clients cannot start more than the default
 * bound of instances per revision, a stalled body is cut at the configured idle timeout, and a
 * scale from zero that never gets a ready instance fails the revision at its progress deadline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayLimitsIT {
  static final Duration WAIT = Duration.ofSeconds(120);

  // no max-scale anywhere: the local default bound applies
  @RegisterExtension
  static final PlatformExtension platform =
      PlatformExtension.withConfig(
          Platform.FAST_SCALE_TO_ZERO + "coldbrew:\n  request-body-idle-timeout: 2s\n");

  private static Map<String, String> atZero(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("initial-scale", "0");
    m.put("window", "6s");
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private JsonNode resource(String kindPath, String name) throws Exception {
    return Http.resource(platform, kindPath + name).orElseThrow();
  }

  private static final String REVISIONS =
      "/apis/serving.knative.dev/v1/namespaces/default/revisions/";
  private static final String PAS =
      "/apis/autoscaling.internal.knative.dev/v1alpha1/namespaces/default/podautoscalers/";

  private void awaitReady(String service) {
    await()
        .atMost(WAIT)
        .until(
            () ->
                Http.resource(
                        platform,
                        "/apis/serving.knative.dev/v1/namespaces/default/services/" + service)
                    .map(s -> Http.condition(s, "Ready").equals("True"))
                    .orElse(false));
  }

  private static JsonNode condition(JsonNode r, String type) {
    for (JsonNode c : r.path("status").path("conditions")) {
      if (type.equals(c.path("type").asText())) {
        return c;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  private Socket open(String request) throws Exception {
    Socket s = new Socket("127.0.0.1", platform.httpPort);
    s.setSoTimeout(120_000);
    s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    return s;
  }

  private static String readAll(InputStream in) throws Exception {
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  @Test
  void slowClientsAtAConcurrencyOneRevisionStartNoMoreThanTheDefaultBound() throws Exception {
    int bound = 4 * Runtime.getRuntime().availableProcessors();
    String marker = "slowbody-" + System.nanoTime();
    platform.apply(
        Manifests.service(
            "slowbody", EchoApp.class, marker, atZero(), "s", "      containerConcurrency: 1\n"));
    awaitReady("slowbody");
    AtomicInteger peak = new AtomicInteger();
    Thread watcher =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(Processes.withMarker(marker).size(), Math::max);
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    watcher.start();
    // the report's load: 30 connections trickling a body, one byte every 500 ms (under the idle
    // timeout), so each request stays in progress for ~20 s
    int clients = 30;
    int length = 40;
    List<Socket> sockets = new ArrayList<>();
    List<CompletableFuture<String>> replies = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        sockets.add(
            open(
                "POST / HTTP/1.1\r\nHost: slowbody.default.localhost\r\nConnection: close\r\n"
                    + "Content-Length: "
                    + length
                    + "\r\n\r\n"));
      }
      for (Socket s : sockets) {
        replies.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return readAll(s.getInputStream());
                  } catch (Exception e) {
                    return "failed: " + e;
                  }
                }));
      }
      for (int b = 0; b < length; b++) {
        for (Socket s : sockets) {
          OutputStream out = s.getOutputStream();
          out.write('x');
          out.flush();
        }
        Thread.sleep(500);
      }
      int ok = 0;
      for (CompletableFuture<String> r : replies) {
        if (r.get(WAIT.toSeconds(), TimeUnit.SECONDS).startsWith("HTTP/1.1 200")) {
          ok++;
        }
      }
      watcher.interrupt();
      watcher.join();
      System.out.println(
          "LIMITS | 30 trickling clients, containerConcurrency 1 | peak instances "
              + peak.get()
              + " (bound "
              + bound
              + ") | 200s "
              + ok);
      assertThat(peak.get()).as("instances started").isBetween(2, bound);
      assertThat(ok).as("every slow request is answered in the end").isEqualTo(clients);
      JsonNode pa = resource(PAS, "slowbody-00001");
      assertThat(pa.path("status").path("desiredScale").asInt()).isLessThanOrEqualTo(bound);
    } finally {
      watcher.interrupt();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void aStalledBodyIsCutAtTheConfiguredIdleTimeout() throws Exception {
    String marker = "stall-" + System.nanoTime();
    platform.apply(
        Manifests.service("stall", EchoApp.class, marker, Map.of("min-scale", "1"), "s", ""));
    awaitReady("stall");
    try (Socket s =
        open("POST / HTTP/1.1\r\nHost: stall.default.localhost\r\nContent-Length: 10\r\n\r\nabc")) {
      long t0 = System.nanoTime();
      String reply = readAll(s.getInputStream());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.println(
          "LIMITS | stalled body | "
              + reply.lines().findFirst().orElse("")
              + " after "
              + ms
              + " ms");
      assertThat(reply).startsWith("HTTP/1.1 408");
      assertThat(ms).as("cut at the 2 s of the config file").isBetween(1_500L, 30_000L);
    }
    HttpResponse<String> after = Http.get(platform, "stall.default.localhost", "/");
    assertThat(after.statusCode()).isEqualTo(200);
  }

  @Test
  void aScaleFromZeroThatNeverGetsReadyFailsAtTheProgressDeadlineWith503() throws Exception {
    String marker = "never-" + System.nanoTime();
    platform.apply(
        Manifests.service(
            "never",
            NeverReadyApp.class,
            marker,
            atZero("serving.knative.dev/progress-deadline", "5s"),
            "n",
            ""));
    awaitReady("never");
    long t0 = System.nanoTime();
    HttpResponse<String> r = Http.get(platform, "never.default.localhost", "/");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println(
        "LIMITS | never ready at zero | "
            + r.statusCode()
            + " after "
            + ms
            + " ms: "
            + r.body().strip());
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("never-00001").contains("ProgressDeadlineExceeded");
    assertThat(ms).as("answered at the 5 s deadline, not the 300 s timeout").isLessThan(60_000);
    JsonNode rev = resource(REVISIONS, "never-00001");
    assertThat(Http.condition(rev, "Ready")).isEqualTo("False");
    assertThat(condition(rev, "ResourcesAvailable").path("reason").asText())
        .isEqualTo("ProgressDeadlineExceeded");

    // the autoscaler gives the attempt up as Knative's does, and the process goes
    await()
        .atMost(WAIT)
        .until(
            () -> {
              JsonNode active = condition(resource(PAS, "never-00001"), "Active");
              return active.path("status").asText().equals("False")
                  && active.path("reason").asText().equals("TimedOut");
            });
    await().atMost(WAIT).until(() -> Processes.withMarker(marker).isEmpty());

    // a later request starts a new attempt (held, not refused at once) and fails the same way
    t0 = System.nanoTime();
    r = Http.get(platform, "never.default.localhost", "/again");
    ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("ProgressDeadlineExceeded");
    assertThat(ms).as("held for the new attempt's deadline").isBetween(2_000L, 60_000L);
  }
}
