package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Traffic splitting through the real jar: a 50/50 split lands within a binomial bound, tag URLs
 * reach their revision every time, and a new template under {@code latestRevision: true} takes
 * over.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrafficIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  @RegisterExtension static final PlatformExtension platform = PlatformExtension.withDefaults();

  private String svc(String target, String traffic) {
    return Manifests.service(
            "split",
            EchoApp.class,
            "split-" + ProcessHandle.current().pid(),
            Map.of("min-scale", "1"),
            target,
            "")
        + traffic;
  }

  private boolean latestReady(String rev) throws Exception {
    return Http.resource(platform, "/apis/serving.knative.dev/v1/namespaces/default/services/split")
        .map(
            s ->
                rev.equals(s.path("status").path("latestReadyRevisionName").asText())
                    && Http.condition(s, "Ready").equals("True"))
        .orElse(false);
  }

  private String revisionOf(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body()
        .lines()
        .filter(l -> l.startsWith("revision="))
        .findFirst()
        .orElseThrow()
        .substring(9);
  }

  @Test
  void splitTagsAndLatestRevisionTakeover() throws Exception {
    platform.apply(svc("one", ""));
    await().atMost(WAIT).until(() -> latestReady("split-00001"));
    platform.apply(svc("two", ""));
    await().atMost(WAIT).until(() -> latestReady("split-00002"));
    assertThat(revisionOf(Http.get(platform, "split.default.localhost", "/")))
        .isEqualTo("split-00002");

    platform.apply(
        svc(
            "two",
            """
          traffic:
            - {revisionName: split-00001, percent: 50, tag: blue}
            - {revisionName: split-00002, percent: 50, tag: green}
        """));
    await()
        .atMost(WAIT)
        .until(
            () ->
                Http.resource(
                        platform, "/apis/serving.knative.dev/v1/namespaces/default/routes/split")
                    .map(
                        r ->
                            r.path("status").path("traffic").size() == 2
                                && Http.condition(r, "Ready").equals("True"))
                    .orElse(false));
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < 1000; i++) {
      counts.merge(revisionOf(Http.get(platform, "split.default.localhost", "/")), 1, Integer::sum);
    }
    System.out.println("50/50 split over 1000 requests: " + counts);
    // Binomial(1000, 0.5): mean 500, sd 15.8; ±5 sd fails a correct split with p < 1e-6.
    assertThat(counts.keySet()).containsExactly("split-00001", "split-00002");
    assertThat(counts.get("split-00001")).isBetween(421, 579);
    for (int i = 0; i < 20; i++) {
      assertThat(revisionOf(Http.get(platform, "blue-split.default.localhost", "/")))
          .isEqualTo("split-00001");
      assertThat(revisionOf(Http.get(platform, "green-split.default.localhost", "/")))
          .isEqualTo("split-00002");
    }

    platform.apply(
        svc(
            "three",
            """
          traffic:
            - {latestRevision: true, percent: 100}
            - {revisionName: split-00001, percent: 0, tag: blue}
        """));
    await().atMost(WAIT).until(() -> latestReady("split-00003"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                revisionOf(Http.get(platform, "split.default.localhost", "/"))
                    .equals("split-00003"));
    for (int i = 0; i < 50; i++) {
      assertThat(revisionOf(Http.get(platform, "split.default.localhost", "/")))
          .isEqualTo("split-00003");
    }
    assertThat(revisionOf(Http.get(platform, "blue-split.default.localhost", "/")))
        .isEqualTo("split-00001");
  }
}
