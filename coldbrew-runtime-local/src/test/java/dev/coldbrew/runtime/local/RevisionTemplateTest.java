package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.model.EnvVar;
import dev.coldbrew.api.model.Probe;
import dev.coldbrew.api.model.Revision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RevisionTemplateTest {
  private final LocalRuntimeOptions options =
      LocalRuntimeOptions.builder(Path.of("/data")).defaultWorkingDir(Path.of("/apps")).build();

  @Test
  void expandsKubernetesVariableReferences() {
    Map<String, String> vars = Map.of("PORT", "8080", "A", "x");
    assertThat(RevisionTemplate.expand("--port=$(PORT)", vars)).isEqualTo("--port=8080");
    assertThat(RevisionTemplate.expand("$(A)$(A)-$(MISSING)", vars)).isEqualTo("xx-$(MISSING)");
    assertThat(RevisionTemplate.expand("$$(PORT) $$ $", vars)).isEqualTo("$(PORT) $ $");
    assertThat(RevisionTemplate.expand("$(PORT", vars)).isEqualTo("$(PORT");
  }

  @Test
  void environmentIsPlatformThenTemplateThenTheContract() {
    Revision r = LocalRuntimeIT.revision("hello-00001", Map.of());
    r.spec.container().env =
        List.of(
            new EnvVar("URL", "http://localhost:$(PORT)/"),
            new EnvVar("PORT", "1"), // Knative rejects it; the contract wins anyway
            new EnvVar("HOME", "/home/app"));
    RevisionTemplate t = RevisionTemplate.of(r, options);
    Map<String, String> env = t.environment(Map.of("HOME", "/root", "PATH", "/bin"), 4242);
    assertThat(env)
        .containsEntry("PATH", "/bin")
        .containsEntry("HOME", "/home/app")
        .containsEntry("URL", "http://localhost:4242/")
        .containsEntry("PORT", "4242")
        .containsEntry("K_SERVICE", "svc")
        .containsEntry("K_CONFIGURATION", "cfg")
        .containsEntry("K_REVISION", "hello-00001");
  }

  @Test
  void workingDirResolvesAgainstTheDefault() {
    Revision r = LocalRuntimeIT.revision("hello-00001", Map.of());
    assertThat(RevisionTemplate.of(r, options).workingDir()).isEqualTo(Path.of("/apps"));
    r.spec.container().workingDir = "hello";
    assertThat(RevisionTemplate.of(r, options).workingDir()).isEqualTo(Path.of("/apps/hello"));
    r.spec.container().workingDir = "/srv/hello";
    assertThat(RevisionTemplate.of(r, options).workingDir()).isEqualTo(Path.of("/srv/hello"));
  }

  @Test
  void probesDefaultToKubernetesValuesAndTcp() {
    Revision r = LocalRuntimeIT.revision("hello-00001", Map.of());
    RevisionTemplate t = RevisionTemplate.of(r, options);
    assertThat(t.readiness().http()).isFalse();
    assertThat(t.readiness().period()).isEqualTo(Duration.ofSeconds(10));
    assertThat(t.readiness().timeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(t.readiness().failureThreshold()).isEqualTo(3);
    assertThat(t.liveness()).isNull();
    assertThat(t.timeout()).isEqualTo(Duration.ofSeconds(300));

    Probe p = new Probe();
    p.httpGet = new dev.coldbrew.api.model.HTTPGetAction();
    p.httpGet.path = "healthz";
    p.periodSeconds = 2;
    r.spec.container().livenessProbe = p;
    RevisionTemplate.ProbeSpec live = RevisionTemplate.of(r, options).liveness();
    assertThat(live.http()).isTrue();
    assertThat(live.httpPath()).isEqualTo("/healthz");
    assertThat(live.period()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aRevisionWithoutCommandIsRejectedNamingTheField() {
    Revision r = LocalRuntimeIT.revision("hello-00001", Map.of());
    r.spec.container().command = null;
    r.spec.container().image = "ghcr.io/x/hello";
    assertThatThrownBy(() -> RevisionTemplate.of(r, options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("spec.containers[0].command: missing");
  }

  @Test
  void optionsRejectNonsenseNamingTheField() {
    assertThatThrownBy(() -> LocalRuntimeOptions.builder(Path.of("/d")).logMaxBytes(10).build())
        .hasMessage("logMaxBytes: 10 (expected: >= 16384)");
    assertThatThrownBy(
            () ->
                LocalRuntimeOptions.builder(Path.of("/d"))
                    .restartBackoffMax(Duration.ofMillis(10))
                    .build())
        .hasMessageStartingWith("restartBackoffMax: PT0.01S (expected: >= restartBackoffInitial");
    assertThatThrownBy(
            () ->
                LocalRuntimeOptions.builder(Path.of("/d")).terminationGrace(Duration.ZERO).build())
        .hasMessage("terminationGrace: PT0S (expected: > 0)");
  }
}
