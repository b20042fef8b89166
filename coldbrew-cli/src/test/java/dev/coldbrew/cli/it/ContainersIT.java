package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coldbrew.runtime.local.TestImage;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image-only Knative Services end to end through the real jar, with real podman and an image built
 * offline in the test ({@code TestImage}): scale from zero and back with the SKS flips, the runtime
 * contract inside the container, logs, a crashing image, an unknown image, bad manifests, and a
 * platform killed with SIGKILL. Tests that need podman are skipped (by assumption) without it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainersIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String REVISIONS = "/apis/serving.knative.dev/v1/namespaces/default/revisions/";

  @RegisterExtension
  static final PlatformExtension platform =
      PlatformExtension.withConfig(Platform.FAST_SCALE_TO_ZERO);

  TestImage image;

  @BeforeAll
  void buildImage(@TempDir Path tmp) throws Exception {
    if (TestImage.available()) {
      image = TestImage.build(tmp, "cli", "hello from the image\n");
    }
  }

  @AfterAll
  void removeImage() throws Exception {
    if (image != null) {
      image.close();
    }
  }

  private void needPodman() {
    assumeTrue(image != null, "podman and busybox-static are needed for container tests");
  }

  /** An image-only Service; {@code annotations} and {@code containerExtra} are YAML lines. */
  private String service(String name, String ref, String annotations, String containerExtra) {
    return """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: %s
        spec:
          template:
            metadata:
              annotations:
                autoscaling.knative.dev/window: "6s"
        %s    spec:
              containers:
                - image: %s
        %s"""
        .formatted(name, annotations.indent(8), ref, containerExtra.indent(10));
  }

  private List<String> containersOf(String revision) throws Exception {
    String out =
        TestImage.output(
            "ps",
            "--filter=label=dev.coldbrew.revision=default/" + revision,
            "--format={{.Names}}");
    return Arrays.stream(out.split("\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private String sksModeByCli(String revision) throws Exception {
    var r = platform.cli("get", "sks", revision);
    assertThat(r.code()).as(r.toString()).isZero();
    return r.out().split("\n")[1].split("\\s+")[1];
  }

  private JsonNode awaitRevision(String name, String readyStatus) {
    await()
        .atMost(WAIT)
        .until(
            () ->
                Http.resource(platform, REVISIONS + name)
                    .map(r -> Http.condition(r, "Ready").equals(readyStatus))
                    .orElse(false));
    try {
      return Http.resource(platform, REVISIONS + name).orElseThrow();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void scalesFromZeroToSeveralAndBackWithTheContractInsideTheContainer() throws Exception {
    needPodman();
    platform.apply(
        service(
            "img",
            image.reference(),
            """
            autoscaling.knative.dev/initial-scale: "0"
            autoscaling.knative.dev/target: "1"
            autoscaling.knative.dev/target-utilization-percentage: "100"
            autoscaling.knative.dev/target-burst-capacity: "0"
            autoscaling.knative.dev/max-scale: "3"
            """,
            """
            args: ["/start.sh", "one", "$(K_REVISION)"]
            workingDir: /www
            env:
              - name: GREETING
                value: hello-$(K_SERVICE)
            """));
    JsonNode rev = awaitRevision("img-00001", "True");
    assertThat(rev.path("status").path("containerStatuses").path(0).path("imageDigest").asText())
        .startsWith(
            image.reference().substring(0, image.reference().lastIndexOf(':')) + "@sha256:");
    assertThat(containersOf("img-00001")).isEmpty();
    assertThat(sksModeByCli("img-00001")).isEqualTo("Proxy");

    // the first request is held by the activator while the container starts
    HttpResponse<String> first = Http.get(platform, "img.default.localhost", "/");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("hello from the image\n");
    assertThat(containersOf("img-00001")).hasSize(1);
    String env = Http.get(platform, "img.default.localhost", "/env").body();
    assertThat(env.lines())
        .contains(
            "PORT=8080",
            "K_SERVICE=img",
            "K_CONFIGURATION=img",
            "K_REVISION=img-00001",
            "GREETING=hello-img");
    assertThat(Http.get(platform, "img.default.localhost", "/args").body().strip())
        .isEqualTo("one img-00001");
    assertThat(Http.get(platform, "img.default.localhost", "/cwd").body().strip())
        .isEqualTo("/www");
    await().atMost(WAIT).until(() -> sksModeByCli("img-00001").equals("Serve"));

    // under load (slow requests, a target of 1 in flight per instance) it scales out
    AtomicBoolean loading = new AtomicBoolean(true);
    AtomicInteger non200 = new AtomicInteger();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Thread t =
          new Thread(
              () -> {
                while (loading.get()) {
                  try {
                    if (Http.get(platform, "img.default.localhost", "/cgi-bin/slow").statusCode()
                        != 200) {
                      non200.incrementAndGet();
                    }
                  } catch (Exception e) {
                    non200.incrementAndGet();
                  }
                }
              });
      t.start();
      clients.add(t);
    }
    int peak;
    try {
      await().atMost(WAIT).until(() -> Http.endpoints(platform, "img-00001-private").size() >= 2);
      peak = Http.endpoints(platform, "img-00001-private").size();
      assertThat(containersOf("img-00001")).hasSizeGreaterThanOrEqualTo(2);
      String digest =
          rev.path("status").path("containerStatuses").path(0).path("imageDigest").asText();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(platform.cli("describe", "revision", "img-00001").out())
                      .matches(
                          "(?s).*Engine: +container\n.*Digest: +"
                              + java.util.regex.Pattern.quote(digest)
                              + "\n.*Containers: +coldbrew-[0-9a-f]{8}-img-00001-[0-9a-f]{5}, .*"));
      var logs = platform.cli("logs", "img", "--tail", "20");
      assertThat(logs.out())
          .containsPattern(
              "\\[img-00001-[0-9a-f]+\\] test app mode=serve port=8080 args: one img-00001");
    } finally {
      loading.set(false);
      for (Thread t : clients) {
        t.join();
      }
    }
    assertThat(peak).isBetween(2, 3);
    assertThat(non200.get()).isZero();

    // idle: back to zero, the activator in the path again, no container left
    await().atMost(WAIT).until(() -> sksModeByCli("img-00001").equals("Proxy"));
    await().atMost(WAIT).until(() -> containersOf("img-00001").isEmpty());
    // the Endpoints in the store follow the runtime a moment later (the reconciles wait 100 ms)
    await().atMost(WAIT).until(() -> Http.endpoints(platform, "img-00001-private").isEmpty());
  }

  @Test
  void anImageThatExitsFailsTheRevisionWithItsExitCodeAndLastLines() throws Exception {
    needPodman();
    platform.apply(
        service(
            "crashimg",
            image.reference(),
            "",
            """
            env:
              - {name: MODE, value: exit}
              - {name: EXIT_CODE, value: "3"}
            """));
    JsonNode rev = awaitRevision("crashimg-00001", "False");
    String conditions = rev.path("status").path("conditions").toString();
    assertThat(conditions).contains("ExitCode3").contains("line 12");
    // once the route sends its requests to the failed revision, each is refused at once
    await()
        .atMost(WAIT)
        .until(() -> Http.get(platform, "crashimg.default.localhost", "/").statusCode() == 503);
    long t0 = System.nanoTime();
    HttpResponse<String> r = Http.get(platform, "crashimg.default.localhost", "/");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("crashimg-00001").contains("ExitCode3");
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
  }

  @Test
  void anUnknownImageFailsTheRevisionWithTheEnginesMessageWithinSeconds() throws Exception {
    needPodman();
    platform.apply(service("nosuch", "localhost/coldbrew-it-never-built:1", "", ""));
    long t0 = System.nanoTime(); // once the revision exists
    JsonNode rev = awaitRevision("nosuch-00001", "False");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    String conditions = rev.path("status").path("conditions").toString();
    assertThat(conditions)
        .contains("ContainerMissing")
        .contains("localhost/coldbrew-it-never-built:1")
        .contains("image not known");
    assertThat(ms).as("failed within 10 s of the revision's creation").isLessThan(10_000);
    await()
        .atMost(WAIT)
        .until(() -> Http.get(platform, "nosuch.default.localhost", "/").statusCode() == 503);
    long t1 = System.nanoTime();
    HttpResponse<String> r = Http.get(platform, "nosuch.default.localhost", "/");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("nosuch-00001").contains("ContainerMissing");
    assertThat((System.nanoTime() - t1) / 1_000_000).isLessThan(10_000);
  }

  @Test
  void malformedImagesPullPoliciesAndLimitsAreRefusedWithTheirFieldAndNothingIsCreated()
      throws Exception {
    String bad =
        service(
            "badimg",
            "\"Not An Image\"",
            "",
            """
            imagePullPolicy: Sometimes
            resources:
              limits: {cpu: lots, memory: 12XB}
            """);
    var r = platform.run(bad, "apply", "-f", "-");
    assertThat(r.code()).as(r.toString()).isNotZero();
    assertThat(r.err())
        .contains("spec.template.spec.containers[0].image: \"Not An Image\"")
        .contains("spec.template.spec.containers[0].imagePullPolicy: \"Sometimes\"")
        .contains("spec.template.spec.containers[0].resources.limits.cpu: \"lots\"")
        .contains("spec.template.spec.containers[0].resources.limits.memory: \"12XB\"");
    var get = platform.cli("get", "ksvc", "badimg");
    assertThat(get.code()).isNotZero();
    assertThat(get.err()).contains("not found");
  }

  @Test
  void aKilledPlatformLeavesNoContainerOfItsRunAfterTheRestartAndServesAgain(@TempDir Path tmp)
      throws Exception {
    needPodman();
    Path own = java.nio.file.Files.createDirectories(tmp.resolve("killed"));
    Path cfg = own.resolve("coldbrew.yaml");
    java.nio.file.Files.writeString(cfg, Platform.FAST_SCALE_TO_ZERO);
    Platform first = new Platform(own, "--config", cfg.toString()).start();
    List<String> before;
    try {
      first.apply(
          service("survive", image.reference(), "autoscaling.knative.dev/min-scale: \"1\"\n", ""));
      await()
          .atMost(WAIT)
          .until(() -> Http.get(first, "survive.default.localhost", "/").statusCode() == 200);
      before = containersOf("survive-00001");
      assertThat(before).hasSize(1);
      first.kill();
      assertThat(containersOf("survive-00001"))
          .as("a container outlives its platform's SIGKILL")
          .containsExactlyElementsOf(before);
    } catch (Throwable e) {
      first.stop();
      throw e;
    }
    Platform second = new Platform(own, "--config", cfg.toString()).start();
    try {
      await()
          .atMost(WAIT)
          .until(() -> Http.get(second, "survive.default.localhost", "/").statusCode() == 200);
      List<String> after = containersOf("survive-00001");
      assertThat(after).hasSize(1).doesNotContainAnyElementsOf(before);
    } finally {
      second.stop();
    }
    await().atMost(WAIT).until(() -> containersOf("survive-00001").isEmpty());
  }
}
