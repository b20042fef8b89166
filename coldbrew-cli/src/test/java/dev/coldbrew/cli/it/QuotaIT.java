package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code coldbrew: max-revisions} through the real jar: with the reconcilers running, each Service
 * holds one Revision; the write that would make a third is refused and the CLI prints the server's
 * message; an apply that keeps the template still works; deleting a Service makes room.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuotaIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String REFUSED =
      " is forbidden: exceeded quota: max-revisions, requested: 1 revision, used: 2 revisions"
          + " (limit 2, set coldbrew: max-revisions in the config file or raise -Xmx)";

  @RegisterExtension
  static final PlatformExtension platform =
      PlatformExtension.withConfig(
          """
          autoscaler:
            allow-zero-initial-scale: "true"
          coldbrew:
            max-revisions: 2
          """);

  final Path dir = platform.dir;

  /** A Service that starts no instance (initial scale 0). */
  private Path manifest(String name, String target) throws Exception {
    Path p = dir.resolve(name + "-" + target + ".yaml");
    Files.writeString(
        p,
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: %s
        spec:
          template:
            metadata:
              annotations:
                autoscaling.knative.dev/initial-scale: "0"
            spec:
              containers:
                - command: ["app"]
                  env: [{name: TARGET, value: %s}]
        """
            .formatted(name, target));
    return p;
  }

  private int revisions() throws Exception {
    return Http.resource(platform, "/apis/serving.knative.dev/v1/namespaces/default/revisions")
        .orElseThrow()
        .path("items")
        .size();
  }

  @Test
  void theCliShowsTheRefusalAndNothingIsCreated() throws Exception {
    for (String name : new String[] {"one", "two"}) {
      var r = platform.cli("apply", "-f", manifest(name, "x").toString());
      assertThat(r.code()).as(r.toString()).isZero();
    }
    await().atMost(WAIT).until(() -> revisions() == 2);

    Path three = manifest("three", "x");
    var r = platform.cli("apply", "-f", three.toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo("Error: " + three + ": services.serving.knative.dev \"three\"" + REFUSED + "\n");

    r = platform.cli("service", "create", "four", "--cmd", "app", "--no-wait");
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: services.serving.knative.dev \"four\"" + REFUSED + "\n");

    // a new template would be a third Revision
    r = platform.cli("service", "update", "one", "-e", "TARGET=y", "--no-wait");
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error: services.serving.knative.dev \"one\"" + REFUSED + "\n");

    // the same manifest again changes nothing and passes
    r = platform.cli("apply", "-f", manifest("one", "x").toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("service.serving.knative.dev/one unchanged\n");

    r = platform.cli("get", "ksvc", "-o", "name");
    assertThat(r.out())
        .isEqualTo("service.serving.knative.dev/one\nservice.serving.knative.dev/two\n");
    assertThat(revisions()).isEqualTo(2);

    // deleting a Service (and its Revision) makes room
    assertThat(platform.cli("delete", "ksvc", "two").code()).isZero();
    await().atMost(WAIT).until(() -> platform.cli("apply", "-f", three.toString()).code() == 0);
    await().atMost(WAIT).until(() -> revisions() == 2);
  }
}
