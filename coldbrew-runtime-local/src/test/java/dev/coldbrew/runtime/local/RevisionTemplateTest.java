package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.ContainerPort;
import dev.coldbrew.api.model.ContainerStatus;
import dev.coldbrew.api.model.EnvVar;
import dev.coldbrew.api.model.Probe;
import dev.coldbrew.api.model.ResourceRequirements;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.ContainerNetwork;
import dev.coldbrew.api.runtime.Engine;
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
  void aProcessWithoutCommandOrAContainerWithoutDigestIsRejectedNamingTheField() {
    Revision r = LocalRuntimeIT.revision("hello-00001", Map.of());
    r.spec.container().command = null;
    r.spec.container().image = "ghcr.io/x/hello";
    assertThatThrownBy(() -> RevisionTemplate.of(r, options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("status.containerStatuses[0].imageDigest: missing");
    r.metadata.annotations().put(Engine.ANNOTATION, "process");
    assertThatThrownBy(() -> RevisionTemplate.of(r, options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("spec.containers[0].command: missing");
  }

  @Test
  void aContainerRunsItsDigestWithItsPortNetworkLimitsAndPullPolicy() {
    Revision r = LocalRuntimeIT.revision("hello-00001", Map.of("A", "1"));
    Container c = r.spec.container();
    c.command = null;
    c.args = List.of("--port=$(PORT)");
    c.image = "localhost/hello:1";
    c.workingDir = "/app";
    c.resources = new ResourceRequirements();
    c.resources.limits =
        Map.of("cpu", TextNode.valueOf("250m"), "memory", IntNode.valueOf(67108864));
    r.status = new Revision.RevisionStatus();
    r.status.containerStatuses = List.of(new ContainerStatus("user-container", DIGEST));
    RevisionTemplate t = RevisionTemplate.of(r, options);
    assertThat(t.engine()).isEqualTo(Engine.CONTAINER);
    RevisionTemplate.ContainerSpec s = t.container();
    assertThat(s.image()).isEqualTo(DIGEST);
    assertThat(s.pullIfMissing()).isFalse(); // localhost/: never pulled
    assertThat(s.network()).isEqualTo(ContainerNetwork.BRIDGE);
    assertThat(s.containerPort()).isEqualTo(8080);
    assertThat(s.workingDir()).isEqualTo("/app");
    assertThat(s.cpus()).isEqualByComparingTo("0.25");
    assertThat(s.memoryBytes()).isEqualTo(64L << 20);
    assertThat(t.command()).isEmpty();
    assertThat(t.args()).containsExactly("--port=$(PORT)");
    // a container's environment has nothing of the platform's
    assertThat(t.environment(Map.of(), 8080))
        .containsOnlyKeys("PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION", "A");

    c.image = "ghcr.io/x/hello:1";
    c.ports = List.of(new ContainerPort());
    c.ports.get(0).containerPort = 9000;
    r.metadata.annotations().put(ContainerNetwork.ANNOTATION, "host");
    s = RevisionTemplate.of(r, options).container();
    assertThat(s.pullIfMissing()).isTrue();
    assertThat(s.containerPort()).isEqualTo(9000);
    assertThat(s.network()).isEqualTo(ContainerNetwork.HOST);
    c.imagePullPolicy = "Never";
    assertThat(RevisionTemplate.of(r, options).container().pullIfMissing()).isFalse();
    // the platform's default engine applies to revisions without the annotation
    c.command = List.of("/bin/hello");
    assertThat(RevisionTemplate.of(r, options).engine()).isEqualTo(Engine.PROCESS);
    LocalRuntimeOptions containers = options.toBuilder().defaultEngine(Engine.CONTAINER).build();
    assertThat(RevisionTemplate.of(r, containers).engine()).isEqualTo(Engine.CONTAINER);
  }

  private static final String DIGEST =
      "localhost/hello@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

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
