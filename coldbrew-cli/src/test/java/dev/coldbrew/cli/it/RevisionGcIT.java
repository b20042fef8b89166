package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Revision GC ({@code gc:} in the config file, Knative's config-gc) through the real jar: with at
 * most one non-active Revision kept, every update of a Service deletes the Revision two generations
 * back, while a Revision a tag still routes to and one annotated {@code serving.knative.dev/no-gc}
 * stay.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RevisionGcIT {
  static final Duration WAIT = Duration.ofSeconds(90);

  @RegisterExtension
  static final PlatformExtension platform =
      PlatformExtension.withConfig(
          """
          autoscaler:
            allow-zero-initial-scale: "true"
          gc:
            retain-since-create-time: disabled
            retain-since-last-active-time: disabled
            min-non-active-revisions: 0
            max-non-active-revisions: 1
          """);

  final Path dir = platform.dir;

  /** A Service that starts no instance (initial scale 0). */
  private Path manifest(String target, String revisionAnnotation) throws Exception {
    Path p = dir.resolve("gc-" + target + ".yaml");
    Files.writeString(
        p,
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: gc
        spec:
          template:
            metadata:
              annotations:
                autoscaling.knative.dev/initial-scale: "0"
                %s
            spec:
              containers:
                - command: ["app"]
                  env: [{name: TARGET, value: %s}]
        """
            .formatted(revisionAnnotation, target));
    return p;
  }

  private List<String> revisions() throws Exception {
    JsonNode items =
        Http.resource(platform, "/apis/serving.knative.dev/v1/namespaces/default/revisions")
            .orElseThrow()
            .path("items");
    List<String> names = new ArrayList<>();
    items.forEach(i -> names.add(i.path("metadata").path("name").asText()));
    names.sort(null);
    return names;
  }

  private void applyAndAwaitLatest(Path manifest, String revision) throws Exception {
    var r = platform.cli("apply", "-f", manifest.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    awaitAllTrafficTo(revision);
  }

  /** Waits until the Route sends 100 % of its traffic to {@code revision}. */
  private void awaitAllTrafficTo(String revision) {
    await()
        .atMost(WAIT)
        .until(
            () -> {
              JsonNode traffic =
                  Http.resource(
                          platform, "/apis/serving.knative.dev/v1/namespaces/default/routes/gc")
                      .orElseThrow()
                      .path("status")
                      .path("traffic");
              for (JsonNode t : traffic) {
                if (t.path("revisionName").asText().equals(revision)
                    && t.path("percent").asInt() == 100) {
                  return true;
                }
              }
              return false;
            });
  }

  @Test
  void updatesKeepOneNonActiveRevisionAndNeverATaggedOrNoGcOne() throws Exception {
    applyAndAwaitLatest(manifest("one", "serving.knative.dev/no-gc: \"true\""), "gc-00001");
    applyAndAwaitLatest(manifest("two", ""), "gc-00002");
    applyAndAwaitLatest(manifest("three", ""), "gc-00003");
    // gc-00001 is kept by its annotation, gc-00002 is the one non-active Revision allowed
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(revisions()).containsExactly("gc-00001", "gc-00002", "gc-00003"));

    applyAndAwaitLatest(manifest("four", ""), "gc-00004");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(revisions()).containsExactly("gc-00001", "gc-00003", "gc-00004"));

    // a tag routes gc-00003: it is active, so the GC keeps it through the next two updates;
    // gc-00004 going proves a collection ran after the tag
    var r =
        platform.cli(
            "service", "update", "gc", "--tag", "gc-00003=old", "-e", "TARGET=five", "--no-wait");
    assertThat(r.code()).as(r.toString()).isZero();
    awaitAllTrafficTo("gc-00005");
    r = platform.cli("service", "update", "gc", "-e", "TARGET=six", "--no-wait");
    assertThat(r.code()).as(r.toString()).isZero();
    awaitAllTrafficTo("gc-00006");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(revisions())
                    .containsExactly("gc-00001", "gc-00003", "gc-00005", "gc-00006"));
  }

  @Test
  void editsOfTheConfigFileApplyWhileServeRunsAndABrokenEditIsRefused() throws Exception {
    Path cfg = dir.resolve("coldbrew.yaml");
    String original = Files.readString(cfg);
    Files.writeString(cfg, original + "defaults:\n  revision-timeout-seconds: 60\n");
    await()
        .atMost(WAIT)
        .until(() -> Files.readString(platform.log).contains("changed: applied defaults:"));
    Files.writeString(cfg, original + "defaults:\n  revision-timeout-seconds: sixty\n");
    await()
        .atMost(WAIT)
        .until(
            () ->
                Files.readString(platform.log)
                    .contains(
                        "not applied, the platform keeps the config it had:"
                            + " defaults.revision-timeout-seconds: \"sixty\""));

    Path svc = dir.resolve("timeout.yaml");
    Files.writeString(
        svc,
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: timeout
        spec:
          template:
            metadata:
              annotations:
                autoscaling.knative.dev/initial-scale: "0"
            spec:
              containers:
                - command: ["app"]
        """);
    var r = platform.cli("apply", "-f", svc.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    JsonNode ksvc =
        Http.resource(platform, "/apis/serving.knative.dev/v1/namespaces/default/services/timeout")
            .orElseThrow();
    assertThat(ksvc.path("spec").path("template").path("spec").path("timeoutSeconds").asInt())
        .as("the default of the edit that was applied, not the broken one's, nor 300")
        .isEqualTo(60);
    Files.writeString(cfg, original);
    var deleted = platform.cli("service", "delete", "timeout"); // the other test counts revisions
    assertThat(deleted.code()).as(deleted.toString()).isZero();
  }
}
