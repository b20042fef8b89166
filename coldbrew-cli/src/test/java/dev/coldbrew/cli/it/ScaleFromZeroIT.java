package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Autoscaling end to end (docs/autoscaling.md) through the real jar: scale from zero and back to
 * zero, a burst at zero, a crashing revision, the runtime contract, and a platform killed with
 * SIGKILL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaleFromZeroIT {
  static final Duration WAIT = Duration.ofSeconds(90);

  @RegisterExtension
  static final PlatformExtension platform =
      PlatformExtension.withConfig(Platform.FAST_SCALE_TO_ZERO);

  private static Map<String, String> atZero(String... more) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("initial-scale", "0");
    m.put("window", "6s");
    for (int i = 0; i < more.length; i += 2) {
      m.put(more[i], more[i + 1]);
    }
    return m;
  }

  @Test
  void firstRequestAtZeroIsAnsweredThenTheRevisionScalesBackToZero() throws Exception {
    String marker = "zero-" + System.nanoTime();
    platform.apply(
        Manifests.service(
            "zero", EchoApp.class, marker, atZero("target-burst-capacity", "0"), "Coldbrew", ""));
    await()
        .atMost(WAIT)
        .until(
            () ->
                Http.resource(
                        platform, "/apis/serving.knative.dev/v1/namespaces/default/services/zero")
                    .map(s -> Http.condition(s, "Ready").equals("True"))
                    .orElse(false));
    assertThat(Processes.withMarker(marker)).isEmpty();
    assertThat(Http.sksMode(platform, "zero-00001")).isEqualTo("Proxy");
    assertThat(Http.endpoints(platform, "zero-00001"))
        .containsExactly("127.0.0.1:" + platform.httpPort);
    var sks = platform.cli("get", "sks", "zero-00001");
    assertThat(sks.out().split("\n")[0].split("\\s+"))
        .containsExactly(
            "NAME", "MODE", "ACTIVATORS", "SERVICENAME", "PRIVATESERVICENAME", "READY", "REASON");

    HttpResponse<String> r = Http.get(platform, "zero.default.localhost", "/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("revision=zero-00001").contains("env TARGET=Coldbrew");
    assertThat(Processes.withMarker(marker)).hasSize(1);
    await().atMost(WAIT).until(() -> Http.sksMode(platform, "zero-00001").equals("Serve"));
    // the Endpoints in the store follow the runtime a moment later (the reconciles wait 100 ms)
    await().atMost(WAIT).until(() -> Http.endpoints(platform, "zero-00001-private").size() == 1);
    List<String> instances = Http.endpoints(platform, "zero-00001-private");
    await().atMost(WAIT).until(() -> Http.endpoints(platform, "zero-00001").equals(instances));

    await().atMost(WAIT).until(() -> Http.sksMode(platform, "zero-00001").equals("Proxy"));
    await().atMost(WAIT).until(() -> Processes.withMarker(marker).isEmpty());
    await().atMost(WAIT).until(() -> Http.endpoints(platform, "zero-00001-private").isEmpty());

    r = Http.get(platform, "zero.default.localhost", "/again");
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @Test
  void burstOf200AtZeroIsAllAnsweredByMoreThanOneInstanceWithinMaxScale() throws Exception {
    String marker = "burst-" + System.nanoTime();
    platform.apply(
        Manifests.service(
            "burst",
            EchoApp.class,
            marker,
            atZero("max-scale", "5"),
            "b",
            "      containerConcurrency: 10\n"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                Http.resource(
                        platform, "/apis/serving.knative.dev/v1/namespaces/default/services/burst")
                    .map(s -> Http.condition(s, "Ready").equals("True"))
                    .orElse(false));
    AtomicInteger peak = new AtomicInteger();
    Thread watcher =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(Processes.withMarker(marker).size(), Math::max);
                try {
                  Thread.sleep(50);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    watcher.start();
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(
          Http.CLIENT.sendAsync(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create("http://127.0.0.1:" + platform.httpPort + "/?sleep=200"))
                  .header("Host", "burst.default.localhost")
                  .timeout(Duration.ofSeconds(120))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    Map<Integer, Integer> codes = new java.util.TreeMap<>();
    for (var f : all) {
      codes.merge(f.get().statusCode(), 1, Integer::sum);
    }
    watcher.interrupt();
    watcher.join();
    System.out.println(
        "burst at zero: 200 sent, answered by status " + codes + ", peak instances " + peak.get());
    assertThat(codes).containsExactly(Map.entry(200, 200));
    assertThat(peak.get()).isBetween(2, 5);
  }

  @Test
  void crashingRevisionFailsWithItsExitCodeAndRefusesRequestsPromptly() throws Exception {
    String marker = "crash-" + System.nanoTime();
    platform.apply(Manifests.service("crash", CrashApp.class, marker, Map.of(), "x", ""));
    await()
        .atMost(WAIT)
        .until(
            () ->
                Http.resource(
                        platform,
                        "/apis/serving.knative.dev/v1/namespaces/default/revisions/crash-00001")
                    .map(s -> Http.condition(s, "Ready").equals("False"))
                    .orElse(false));
    var rev =
        Http.resource(
                platform, "/apis/serving.knative.dev/v1/namespaces/default/revisions/crash-00001")
            .orElseThrow();
    String healthy = rev.path("status").path("conditions").toString();
    assertThat(healthy).contains("ExitCode3").contains("no database configured");
    long t0 = System.nanoTime();
    HttpResponse<String> r = Http.get(platform, "crash.default.localhost", "/");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("crash-00001").contains("ExitCode3");
    assertThat(ms).as("answered promptly, not held until the timeout").isLessThan(30_000);
  }

  @Test
  void instancesGetTheRuntimeContractAndClientInternalHeadersAreStripped() throws Exception {
    String marker = "contract-" + System.nanoTime();
    platform.apply(Manifests.service("contract", EchoApp.class, marker, Map.of(), "c", ""));
    await()
        .atMost(WAIT)
        .until(
            () ->
                Http.resource(
                        platform,
                        "/apis/serving.knative.dev/v1/namespaces/default/services/contract")
                    .map(s -> Http.condition(s, "Ready").equals("True"))
                    .orElse(false));
    HttpResponse<String> r =
        Http.get(
            platform,
            "contract.default.localhost",
            "/",
            "X-User",
            "u1",
            "Knative-Serving-Revision",
            "evil",
            "Knative-Serving-Namespace",
            "evil",
            "K-Foo",
            "bar");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains("env K_SERVICE=contract")
        .contains("env K_CONFIGURATION=contract")
        .contains("env K_REVISION=contract-00001")
        .containsPattern("env PORT=\\d+")
        .contains("header host=contract.default.localhost")
        .contains("header x-forwarded-for=127.0.0.1")
        .contains("header x-forwarded-proto=http")
        .contains("header forwarded=")
        .contains("header x-user=u1")
        .doesNotContain("header knative-serving-revision")
        .doesNotContain("header knative-serving-namespace")
        .doesNotContain("header k-foo");
    var logs = platform.cli("logs", "contract", "--tail", "5");
    assertThat(logs.code()).as(logs.toString()).isZero();
    assertThat(logs.out())
        .containsPattern("\\[contract-00001-[0-9a-f]+\\] echo app listening on \\d+");
  }
}
